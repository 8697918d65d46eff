package io.llamasupervisor.app;

import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads, in a background thread of the lowest priority once {@code serve} is up, the classes the
 * first start of a model and the first proxied request need but the boot did not load (the list in
 * {@code preload-classes.txt}, taken from {@code -Xlog:class+load} of a first on-demand start). The
 * first request for an on-demand model then does not wait for them to be read and initialised while
 * the model loads on the same cores. A name that no longer exists is skipped; a class whose
 * initialiser fails would fail the same way when first used, and is logged.
 */
public final class ClassPreload {
  private static final Logger LOG = LoggerFactory.getLogger(ClassPreload.class);
  static final String LIST = "preload-classes.txt";

  /**
   * Whether {@code name} is initialised as well as loaded: all but Netty's native transport classes
   * when that transport did not load here (their initialisers need its library, and a failed
   * initialiser leaves a class unusable for good).
   */
  static boolean initialise(String name, boolean nativeTransport) {
    return nativeTransport
        || !(name.startsWith("io.netty.channel.epoll.")
            || name.startsWith("io.netty.channel.unix."));
  }

  private ClassPreload() {}

  /** Starts the preload thread; returns at once. */
  public static Thread startInBackground() {
    Thread t = new Thread(ClassPreload::run, "class-preload");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return t;
  }

  /** What a preload did: how many classes it loaded, and the listed names it could not find. */
  record Result(int loaded, List<String> missing) {}

  /** Loads every listed class. */
  static Result run() {
    long t0 = System.nanoTime();
    int loaded = 0;
    List<String> missing = new ArrayList<>();
    boolean nativeTransport = Epoll.isAvailable();
    ClassLoader loader = ClassPreload.class.getClassLoader();
    try (InputStream in = ClassPreload.class.getResourceAsStream(LIST)) {
      if (in == null) {
        return new Result(0, missing);
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String name = lines.readLine(); name != null; name = lines.readLine()) {
        String n = name.strip();
        if (n.isEmpty() || n.startsWith("#")) {
          continue;
        }
        try {
          Class.forName(n, initialise(n, nativeTransport), loader);
          loaded++;
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
          missing.add(n);
          LOG.debug("preload: {} is not on the class path", n);
        } catch (LinkageError e) {
          LOG.warn("preload: initialising {} failed: {}", n, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.debug("preload: cannot read {}: {}", LIST, e.toString());
    }
    LOG.debug("preloaded {} classes in {} ms", loaded, (System.nanoTime() - t0) / 1_000_000);
    return new Result(loaded, missing);
  }
}
