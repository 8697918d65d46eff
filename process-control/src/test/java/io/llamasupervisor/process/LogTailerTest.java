package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class LogTailerTest {

  @TempDir Path dir;
  private Path file;
  private LogSettings settings;
  private ListAppender<ILoggingEvent> events;
  private Logger output;

  @BeforeEach
  void setUp() throws IOException {
    file = dir.resolve("m.log");
    Files.createFile(file);
    settings = new LogSettings(dir, 100, 4096, 64, 4096, Duration.ofMillis(100), 100);
    output = (Logger) LoggerFactory.getLogger("test.output." + System.identityHashCode(this));
    output.setAdditive(false);
    events =
        new ListAppender<>() {
          @Override
          protected void append(ILoggingEvent e) {
            e.prepareForDeferredProcessing(); // capture the MDC while it is set
            super.append(e);
          }
        };
    events.start();
    output.addAppender(events);
  }

  private LogTailer tailer(LogSettings s) {
    return new LogTailer("model-a", file, 0, false, s, output);
  }

  private void append(String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  @Test
  void completeLinesAreReadAndAPartialLineWaitsForItsEnd() throws IOException {
    LogTailer t = tailer(settings);
    append("first\nsecond\r\npart");
    t.poll();
    assertEquals(List.of("first", "second"), t.lastLines(10));
    append("ial\n");
    t.poll();
    assertEquals(List.of("first", "second", "partial"), t.lastLines(10));
    assertEquals(22, t.bytesRead());
  }

  @Test
  void drainFlushesATrailingPartialLine() throws IOException {
    LogTailer t = tailer(settings);
    append("fatal: no newline");
    t.poll();
    assertEquals(List.of(), t.lastLines(10));
    t.drain();
    assertEquals(List.of("fatal: no newline"), t.lastLines(10));
  }

  @Test
  void startingMidLineDropsTheRestOfThatLine() throws IOException {
    append("old line one\nold line two\n");
    LogTailer t = new LogTailer("m", file, 5, true, settings, output);
    append("new\n");
    t.poll();
    assertEquals(List.of("old line two", "new"), t.lastLines(10));
  }

  @Test
  void longLinesAreCutAndMarked() throws IOException {
    LogTailer t = tailer(settings.toBuilder().maxLineBytes(10).build());
    append("x".repeat(25) + "\nnext\n");
    t.poll();
    assertEquals(List.of("xxxxxxxxxx" + LogTailer.CUT_MARKER, "next"), t.lastLines(10));
  }

  @Test
  void aLineLongerThanOneReadIsCutToo() throws IOException {
    LogTailer t = tailer(settings.toBuilder().maxLineBytes(10).maxFileBytes(1 << 20).build());
    append("y".repeat(200_000) + "\nend\n");
    t.poll();
    assertEquals(List.of("yyyyyyyyyy" + LogTailer.CUT_MARKER, "end"), t.lastLines(10));
  }

  @Test
  void fileLargerThanTheLimitIsTruncatedAfterReadingAndFollowedFromItsNewEnd() throws IOException {
    LogTailer t = tailer(settings);
    append(lines(0, 3000));
    t.poll();
    assertEquals(0, t.truncations());
    String more = lines(1000, 3000);
    append(more);
    t.poll();
    assertEquals(0, Files.size(file));
    assertEquals(1, t.truncations());
    String lastWritten = more.substring(more.lastIndexOf("line "), more.length() - 1);
    assertEquals(List.of(lastWritten), t.lastLines(1));
    append("after truncation\n");
    t.poll();
    assertEquals(List.of(lastWritten, "after truncation"), t.lastLines(2));
  }

  @Test
  void aPartialLineIsNotJoinedWithWhatFollowsATruncation() throws IOException {
    LogTailer t = tailer(settings);
    append(lines(0, 3000));
    t.poll();
    append(lines(1000, 2000) + "partial");
    t.poll();
    assertEquals(1, t.truncations());
    append("next\n");
    t.poll();
    assertEquals(List.of("partial", "next"), t.lastLines(2));
  }

  private static String lines(int first, int minLength) {
    StringBuilder sb = new StringBuilder();
    for (int i = first; sb.length() < minLength; i++) {
      sb.append("line ").append(i).append('\n');
    }
    return sb.toString();
  }

  @Test
  void aBacklogLargerThanTheFileLimitIsSkippedNotRead() throws IOException {
    LogSettings s = settings.toBuilder().buffer(100, 1024).build();
    LogTailer t = tailer(s);
    String sb = lines(0, 100_000);
    append(sb);
    t.poll();
    assertEquals(sb.length() - 1024, t.bytesSkipped());
    assertEquals(1024, t.bytesRead());
    List<String> lines = t.lastLines(1000);
    assertTrue(lines.get(0).contains("bytes of output skipped"), lines.get(0));
    assertEquals(
        sb.substring(sb.lastIndexOf("line "), sb.length() - 1), lines.get(lines.size() - 1));
    assertTrue(t.retainedBytes() <= 1024);
    assertEquals(0, Files.size(file));
  }

  @Test
  void fileTruncatedBySomeoneElseIsReadFromTheStart() throws IOException {
    LogTailer t = tailer(settings);
    append("one\ntwo\n");
    t.poll();
    Files.writeString(file, "x\n");
    t.poll();
    assertEquals(List.of("one", "two", "x"), t.lastLines(10));
  }

  @Test
  void linesGoToTheLoggerWithTheModelInTheMdcAndAtMostTheLimitPerPoll() throws IOException {
    LogTailer t = tailer(settings.toBuilder().maxLoggedLinesPerPoll(2).build());
    append("a\nb\nc\nd\ne\n");
    t.poll();
    List<String> logged =
        events.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    assertEquals(List.of("a", "b", "3 more lines not logged; see " + file), logged);
    assertTrue(
        events.list.stream().allMatch(e -> "model-a".equals(e.getMDCPropertyMap().get("model"))));
    assertEquals(List.of("a", "b", "c", "d", "e"), t.lastLines(10));
  }

  @Test
  void closeDrainsAndStopsReading() throws IOException {
    LogTailer t = tailer(settings);
    append("last words");
    t.close();
    append("\nignored\n");
    t.poll();
    assertEquals(List.of("last words"), t.lastLines(10));
  }

  @Test
  void aMissingFileIsNotAnError() throws IOException {
    Files.delete(file);
    LogTailer t = tailer(settings);
    t.poll();
    assertEquals(List.of(), t.lastLines(10));
    Files.writeString(file, "created late\n");
    t.poll();
    assertEquals(List.of("created late"), t.lastLines(10));
  }
}
