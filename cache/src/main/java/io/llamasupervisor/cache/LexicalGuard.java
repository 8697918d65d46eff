package io.llamasupervisor.cache;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether two prompts ask the same question, word for word, up to politeness and function
 * words. A semantic candidate above the similarity threshold is served only if this guard passes:
 * an embedding alone cannot tell "from Paris to Rome" from "from Rome to Paris".
 *
 * <p>Each prompt is reduced to a list of <em>content tokens</em>:
 *
 * <ol>
 *   <li>Unicode NFKC; curly quotes and apostrophes become straight ones.
 *   <li>Quoted strings ({@code "…"}, {@code `…`}, and {@code '…'} between word boundaries) become
 *       one token each, compared exactly (case and punctuation kept, whitespace collapsed).
 *   <li>Lower-casing; contractions are expanded ({@code n't} → {@code not}, {@code can't} → {@code
 *       can not}, {@code won't} → {@code will not}, {@code 're} → {@code are}, {@code 've} → {@code
 *       have}, {@code 'll} → {@code will}, {@code 'd} → {@code would}, {@code 'm} → {@code am},
 *       {@code 's} → {@code is} after a pronoun or question word, {@code let's} → {@code let us});
 *       any other {@code 's} is a possessive and dropped ({@code John's} → {@code john}).
 *   <li>Sentence punctuation is dropped ({@value #SENTENCE_PUNCTUATION}, brackets, quotes, and
 *       dashes standing alone), except inside tokens that hold a digit or joiners such as {@code -
 *       _ . / : @ #} ({@code v1.2}, {@code ISO-8601}, {@code x86_64}, {@code 1,000} → {@code 1000},
 *       {@code c++}). Every other symbol is kept as a token: signs and currency with a number
 *       ({@code -40}, {@code $100}, {@code 50%}), operators standing alone or between words ({@code
 *       ×}, {@code ÷}, {@code ||}, {@code &&}, {@code ≠}), and a run of punctuation standing inside
 *       the text ({@code ??}, {@code ?.}).
 *   <li>A leading request frame is dropped ("can you", "could you", "would you (mind)", "will you",
 *       "tell me", "do you know", "I would like to know", "I want to know", "I need to know", "I
 *       wonder", "I was wondering", "let me know", "quick question"), as are "thank you" and
 *       "thanks in advance" at the start or end of a sentence.
 *   <li>Articles and fillers are dropped anywhere: {@value #ANYWHERE_WORD_LIST}. Greetings and
 *       politeness are dropped where politeness stands, at the start or end of a sentence or right
 *       after "you" ("could you please…"): {@value #EDGE_WORD_LIST}; inside a sentence they are
 *       content ("how do you say please in French" is not "…thanks in French"). The lists are short
 *       on purpose: negations, prepositions (on/off, from/to), quantifiers, auxiliaries of tense or
 *       mood (was, should, might) and pronouns stay, because each of them can change the question.
 *   <li>Agreement is folded: {@code are}/{@code am} → {@code is}, {@code does} → {@code do}, {@code
 *       has} → {@code have}; regular plurals of words of 4 letters or more are folded (Harman's
 *       S-stemmer: {@code -ies} → {@code -y}, {@code -es} → {@code -e}, {@code -s} → nothing,
 *       except after {@code u}, {@code s}, and the {@code -aes}/{@code -ees}/{@code -oes} and
 *       {@code -aies}/{@code -eies} endings). Numbers, codes and quoted strings are never folded;
 *       names are (in both prompts alike).
 * </ol>
 *
 * <p><em>Order-carrying tokens</em> are numbers and anything with a digit, codes, quoted strings,
 * symbols, and names: words capitalised anywhere but at the start of a sentence, and all-caps words
 * of two letters or more. A word counts as a name in both prompts if it is one in either.
 *
 * <p>The guard passes when (1) the content tokens of both prompts are the same words, in the same
 * order except that one contiguous block may have moved ("in Python, how do I…" = "how do I… in
 * Python"), and (2) the order-carrying tokens appear in the same order in both. Everything else is
 * rejected: one different content word (on/off, rise/fall, edible/poisonous, a number, a code, a
 * name), a word swapped with another ("dog bites man"), or names in another order.
 */
final class LexicalGuard {
  static final String ANYWHERE_WORD_LIST = "a, an, the, um, uh, hmm";
  static final String EDGE_WORD_LIST =
      "please, pls, plz, kindly, thanks, thank, thx, hi, hello, hey, dear, ok, okay";

  /** Dropped wherever they stand. */
  static final Set<String> ANYWHERE_WORDS = Set.of(ANYWHERE_WORD_LIST.split(",\\s*"));

  /** Dropped at the start or end of a sentence, or right after "you". */
  static final Set<String> EDGE_WORDS = Set.of(EDGE_WORD_LIST.split(",\\s*"));

  /** Punctuation that ends or divides a sentence; it never carries what is asked. */
  static final String SENTENCE_PUNCTUATION = ". , ; : ! ? …";

  private static final String SENTENCE_CHARS = ".,;:!?…";

  /** Brackets and quotes around a word, and dashes between clauses. */
  private static final String FRAMING_CHARS = "()[]{}\"'`«»¿¡—–";

  /** Word forms that differ by agreement only. */
  static final Map<String, String> AGREEMENT =
      Map.of("are", "is", "am", "is", "does", "do", "has", "have");

  /** After these, {@code 's} means "is" (or "us" after let); elsewhere it is a possessive. */
  private static final Set<String> S_IS =
      Set.of(
          "it", "that", "what", "where", "who", "how", "there", "here", "he", "she", "this", "why",
          "when", "which");

  private static final List<List<String>> LEADING_FRAMES =
      List.of(
          List.of("hi", "there"),
          List.of("hello", "there"),
          List.of("would", "you", "mind"),
          List.of("can", "you"),
          List.of("could", "you"),
          List.of("would", "you"),
          List.of("will", "you"),
          List.of("can", "u"),
          List.of("could", "u"),
          List.of("tell", "me"),
          List.of("do", "you", "know"),
          List.of("i", "would", "like", "to", "know"),
          List.of("i", "want", "to", "know"),
          List.of("i", "need", "to", "know"),
          List.of("i", "was", "wondering"),
          List.of("i", "wonder"),
          List.of("let", "me", "know"),
          List.of("quick", "question"));

  private static final List<List<String>> ANYWHERE_PHRASES =
      List.of(
          List.of("thank", "you", "in", "advance"),
          List.of("thanks", "in", "advance"),
          List.of("thank", "you"));

  private static final Pattern QUOTED =
      Pattern.compile("\"([^\"]*)\"|`([^`]*)`|(?<![\\p{L}\\p{N}])'([^']+)'(?![\\p{L}\\p{N}])");
  private static final Pattern THOUSANDS = Pattern.compile("\\d{1,3}(,\\d{3})+(\\.\\d+)?");
  private static final String JOINERS = "-_./:@#+&";
  private static final int MAX_BLOCK_CHECK_TOKENS = 128;

  /** Why two prompts were judged different; {@link #PASS} when they were not. */
  enum Verdict {
    PASS,
    /** The prompts do not hold the same content words. */
    CONTENT_WORDS,
    /** The same words, but in an order that can change the meaning. */
    ORDER
  }

  /** A content token: its normal form, and whether it carries order. */
  record Token(String norm, boolean orderCarrying) {}

  private LexicalGuard() {}

  /** Compares two prompts. */
  static Verdict compare(String a, String b) {
    return compare(tokens(a), tokens(b));
  }

  static Verdict compare(List<Token> ta, List<Token> tb) {
    List<String> ca = norms(ta);
    List<String> cb = norms(tb);
    if (!sameMultiset(ca, cb)) {
      return Verdict.CONTENT_WORDS;
    }
    if (!oneBlockMoved(ca, cb)) {
      return Verdict.ORDER;
    }
    Set<String> ordered = new HashSet<>();
    for (Token t : ta) {
      if (t.orderCarrying()) {
        ordered.add(t.norm());
      }
    }
    for (Token t : tb) {
      if (t.orderCarrying()) {
        ordered.add(t.norm());
      }
    }
    List<String> sa = new ArrayList<>();
    List<String> sb = new ArrayList<>();
    for (String s : ca) {
      if (ordered.contains(s)) {
        sa.add(s);
      }
    }
    for (String s : cb) {
      if (ordered.contains(s)) {
        sb.add(s);
      }
    }
    return sa.equals(sb) ? Verdict.PASS : Verdict.ORDER;
  }

  private static List<String> norms(List<Token> ts) {
    List<String> out = new ArrayList<>(ts.size());
    for (Token t : ts) {
      out.add(t.norm());
    }
    return out;
  }

  private static boolean sameMultiset(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return false;
    }
    List<String> x = new ArrayList<>(a);
    List<String> y = new ArrayList<>(b);
    x.sort(null);
    y.sort(null);
    return x.equals(y);
  }

  /**
   * Whether {@code b} is {@code a} with at most one contiguous block moved: after the common prefix
   * and suffix are cut off, the rest of {@code b} is a rotation of the rest of {@code a}. (When the
   * moved block starts like the block it passed, this can miss a move; it never accepts more.)
   */
  static boolean oneBlockMoved(List<String> a, List<String> b) {
    if (a.equals(b)) {
      return true;
    }
    int n = a.size();
    if (n != b.size() || n > MAX_BLOCK_CHECK_TOKENS) {
      return false;
    }
    int p = 0;
    while (p < n && a.get(p).equals(b.get(p))) {
      p++;
    }
    int s = 0;
    while (s < n - p && a.get(n - 1 - s).equals(b.get(n - 1 - s))) {
      s++;
    }
    List<String> x = a.subList(p, n - s);
    List<String> y = b.subList(p, n - s);
    int m = x.size();
    for (int k = 1; k < m; k++) {
      boolean rotation = true;
      for (int i = 0; i < m && rotation; i++) {
        rotation = y.get(i).equals(x.get((i + k) % m));
      }
      if (rotation) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ tokens

  /**
   * A raw token before stop-word removal: lower-case text, whether it carries order, and whether it
   * is a word (letters, possibly a name) rather than a number, code, quote or operator.
   */
  private record Raw(String lower, boolean orderCarrying, boolean word, int sentence) {
    /** A word that is not a name: stop words and frames are made of these. */
    boolean plain() {
      return word && !orderCarrying;
    }
  }

  /** The content tokens of {@code text}, in order. */
  static List<Token> tokens(String text) {
    String t = Normalizer.normalize(text, Normalizer.Form.NFKC);
    t = t.replace('\u2019', '\'').replace('\u2018', '\'').replace('\u201C', '"');
    t = t.replace('\u201D', '"').replace('\u00B4', '\'');

    List<String> quotes = new ArrayList<>();
    Matcher qm = QUOTED.matcher(t);
    StringBuilder sb = new StringBuilder();
    while (qm.find()) {
      String q =
          qm.group(1) != null ? qm.group(1) : qm.group(2) != null ? qm.group(2) : qm.group(3);
      quotes.add(q.trim().replaceAll("\\s+", " "));
      qm.appendReplacement(sb, " \u0001" + (quotes.size() - 1) + "\u0001 ");
    }
    qm.appendTail(sb);

    List<Raw> raw = new ArrayList<>();
    int sentence = 0;
    boolean sentenceStart = true;
    String[] chunks = sb.toString().strip().split("\\s+");
    for (int c = 0; c < chunks.length; c++) {
      String chunk = chunks[c];
      if (chunk.isEmpty()) {
        continue;
      }
      if (chunk.startsWith("\u0001") && chunk.endsWith("\u0001") && chunk.length() > 2) {
        int idx = Integer.parseInt(chunk.substring(1, chunk.length() - 1));
        raw.add(new Raw("\"" + quotes.get(idx) + "\"", true, false, sentence));
        sentenceStart = false;
        continue;
      }
      boolean endsSentence = endsSentence(chunk);
      String core = strip(chunk);
      if (core.isEmpty()) {
        // punctuation standing alone: a separator ("—", "?", "...", a last "?!"), or, as a run
        // inside the text, an operator of its own ("the ?? operator")
        if (!separator(chunk) && c < chunks.length - 1) {
          raw.add(new Raw(chunk, true, false, sentence));
        }
      } else {
        words(core, sentenceStart, sentence, raw);
      }
      if (endsSentence) {
        sentence++;
      }
      sentenceStart = core.isEmpty() ? sentenceStart || endsSentence : endsSentence;
    }

    removeLeadingFrames(raw);
    removePhrases(raw);
    removeEdgeWords(raw);

    List<Token> out = new ArrayList<>(raw.size());
    for (Raw r : raw) {
      if (r.plain() && ANYWHERE_WORDS.contains(r.lower())) {
        continue;
      }
      String norm = r.lower();
      if (r.word()) {
        norm = AGREEMENT.getOrDefault(norm, norm);
        norm = singular(norm);
      }
      out.add(new Token(norm, r.orderCarrying()));
    }
    return out;
  }

  private static boolean endsSentence(String chunk) {
    char c = chunk.charAt(chunk.length() - 1);
    while ((c == '"' || c == ')' || c == '\'') && chunk.length() > 1) {
      chunk = chunk.substring(0, chunk.length() - 1);
      c = chunk.charAt(chunk.length() - 1);
    }
    return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '…';
  }

  /** Whether a chunk of punctuation only is a separator: one character, or an ellipsis. */
  private static boolean separator(String chunk) {
    return chunk.length() == 1 || chunk.chars().allMatch(c -> c == '.');
  }

  private static boolean sentencePunctuation(char c) {
    return SENTENCE_CHARS.indexOf(c) >= 0;
  }

  private static boolean framing(char c) {
    return FRAMING_CHARS.indexOf(c) >= 0;
  }

  /**
   * Brackets and quotes off both ends, sentence punctuation off the end. Signs, currency and other
   * symbols stay ({@code -40}, {@code $5}, {@code 50%}, {@code c++}, {@code c#}).
   */
  private static String strip(String chunk) {
    int from = 0;
    int to = chunk.length();
    while (from < to && framing(chunk.charAt(from))) {
      from++;
    }
    while (to > from
        && (framing(chunk.charAt(to - 1)) || sentencePunctuation(chunk.charAt(to - 1)))) {
      to--;
    }
    return chunk.substring(from, to);
  }

  private static void words(String core, boolean sentenceStart, int sentence, List<Raw> raw) {
    String lower = core.toLowerCase(Locale.ROOT);
    int apo = lower.indexOf('\'');
    if (apo > 0 && Character.isLetter(core.charAt(apo - 1))) {
      contraction(core, lower, apo, sentenceStart, sentence, raw);
      return;
    }
    if (hasDigit(core)) {
      String n = THOUSANDS.matcher(lower).replaceAll(m -> m.group().replace(",", ""));
      raw.add(new Raw(n, true, false, sentence));
      return;
    }
    if (hasJoiner(core)) {
      boolean code = !core.equals(lower) || containsAny(core, "_./:@#+&");
      raw.add(new Raw(lower, code, false, sentence));
      return;
    }
    // words, and every symbol between them as a token of its own ("a≠b", "x|y", "$var")
    int start = -1;
    for (int i = 0; i <= core.length(); i++) {
      char ch = i < core.length() ? core.charAt(i) : ' ';
      boolean letter = i < core.length() && Character.isLetterOrDigit(ch);
      if (letter && start < 0) {
        start = i;
      } else if (!letter && start >= 0) {
        word(core.substring(start, i), sentenceStart && start == 0, sentence, raw);
        start = -1;
      }
      if (i < core.length() && !letter && !sentencePunctuation(ch) && !framing(ch)) {
        raw.add(new Raw(String.valueOf(ch), true, false, sentence));
      }
    }
  }

  private static void word(String w, boolean sentenceStart, int sentence, List<Raw> raw) {
    String lower = w.toLowerCase(Locale.ROOT);
    boolean allCaps = w.length() >= 2 && w.equals(w.toUpperCase(Locale.ROOT)) && !w.equals(lower);
    boolean capitalised = Character.isUpperCase(w.charAt(0)) && !w.equals("I");
    boolean name = allCaps || (capitalised && !sentenceStart);
    // a capitalised stop word inside a sentence is part of a name ("Contract A", "The Hague")
    raw.add(new Raw(lower, name, true, sentence));
  }

  private static void contraction(
      String core, String lower, int apo, boolean sentenceStart, int sentence, List<Raw> raw) {
    String head = lower.substring(0, apo);
    String tail = lower.substring(apo + 1);
    String origHead = core.substring(0, apo);
    switch (tail) {
      case "t" -> {
        if (head.equals("can")) {
          add(raw, sentence, "can", "not");
        } else if (head.equals("won")) {
          add(raw, sentence, "will", "not");
        } else if (head.equals("shan")) {
          add(raw, sentence, "shall", "not");
        } else if (head.equals("ain")) {
          add(raw, sentence, "is", "not");
        } else if (head.endsWith("n")) {
          add(raw, sentence, head.substring(0, head.length() - 1), "not");
        } else {
          word(origHead, sentenceStart, sentence, raw);
        }
      }
      case "re" -> {
        word(origHead, sentenceStart, sentence, raw);
        add(raw, sentence, "are");
      }
      case "ve" -> {
        word(origHead, sentenceStart, sentence, raw);
        add(raw, sentence, "have");
      }
      case "ll" -> {
        word(origHead, sentenceStart, sentence, raw);
        add(raw, sentence, "will");
      }
      case "d" -> {
        word(origHead, sentenceStart, sentence, raw);
        add(raw, sentence, "would");
      }
      case "m" -> {
        word(origHead, sentenceStart, sentence, raw);
        add(raw, sentence, "am");
      }
      case "s" -> {
        word(origHead, sentenceStart, sentence, raw);
        if (head.equals("let")) {
          add(raw, sentence, "us");
        } else if (S_IS.contains(head)) {
          add(raw, sentence, "is");
        }
      }
      case "" -> word(origHead, sentenceStart, sentence, raw); // plural possessive: users'
      default -> {
        // o'clock, rock'n'roll, O'Brien: one token (its symbols kept, as anywhere)
        String joined = lower.replace("'", "");
        boolean name = Character.isUpperCase(core.charAt(0)) && !sentenceStart;
        boolean plain = joined.chars().allMatch(Character::isLetterOrDigit);
        raw.add(new Raw(joined, name || !plain, plain, sentence));
      }
    }
  }

  private static void add(List<Raw> raw, int sentence, String... words) {
    for (String w : words) {
      raw.add(new Raw(w, false, true, sentence));
    }
  }

  private static boolean hasDigit(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isDigit(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasJoiner(String s) {
    return containsAny(s, JOINERS);
  }

  private static boolean containsAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static void removeLeadingFrames(List<Raw> raw) {
    boolean removed = true;
    while (removed) {
      removed = false;
      for (List<String> frame : LEADING_FRAMES) {
        if (matchesAt(raw, 0, frame) && raw.size() > frame.size()) {
          raw.subList(0, frame.size()).clear();
          removed = true;
          break;
        }
      }
      if (!removed
          && raw.size() > 1
          && raw.get(0).plain()
          && EDGE_WORDS.contains(raw.get(0).lower())) {
        raw.remove(0); // a greeting or "please" before a frame
        removed = true;
      }
    }
  }

  /** "thank you", "thanks in advance" where they open or close a sentence. */
  private static void removePhrases(List<Raw> raw) {
    for (List<String> phrase : ANYWHERE_PHRASES) {
      for (int i = 0; i + phrase.size() <= raw.size(); ) {
        int end = i + phrase.size();
        if (matchesAt(raw, i, phrase)
            && (opensSentence(raw, i) || closesSentence(raw, end - 1))
            && sameSentence(raw, i, end - 1)) {
          raw.subList(i, end).clear();
        } else {
          i++;
        }
      }
    }
  }

  /**
   * Greetings and politeness at the start or end of a sentence, or right after "you"; what is left
   * at an edge after one goes is an edge too ("Hi, please tell…").
   */
  private static void removeEdgeWords(List<Raw> raw) {
    boolean removed = true;
    while (removed) {
      removed = false;
      for (int i = 0; i < raw.size(); i++) {
        Raw r = raw.get(i);
        if (r.plain()
            && EDGE_WORDS.contains(r.lower())
            && raw.size() > 1
            && (opensSentence(raw, i) || closesSentence(raw, i) || afterYou(raw, i))) {
          raw.remove(i);
          removed = true;
          break;
        }
      }
    }
  }

  private static boolean opensSentence(List<Raw> raw, int i) {
    return i == 0 || raw.get(i - 1).sentence() != raw.get(i).sentence();
  }

  private static boolean closesSentence(List<Raw> raw, int i) {
    return i == raw.size() - 1 || raw.get(i + 1).sentence() != raw.get(i).sentence();
  }

  private static boolean sameSentence(List<Raw> raw, int i, int j) {
    return raw.get(i).sentence() == raw.get(j).sentence();
  }

  private static boolean afterYou(List<Raw> raw, int i) {
    if (i == 0 || raw.get(i - 1).sentence() != raw.get(i).sentence()) {
      return false;
    }
    String before = raw.get(i - 1).lower();
    return before.equals("you") || before.equals("u");
  }

  private static boolean matchesAt(List<Raw> raw, int at, List<String> phrase) {
    if (at + phrase.size() > raw.size()) {
      return false;
    }
    for (int i = 0; i < phrase.size(); i++) {
      Raw r = raw.get(at + i);
      if (!r.plain() || !r.lower().equals(phrase.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Harman's S-stemmer for words of 4 letters or more, plus one step so that {@code -sses}, {@code
   * -xes}, {@code -ches}, {@code -shes} plurals meet their singular: a final {@code e} after {@code
   * ss}, {@code x}, {@code ch}, {@code sh} is dropped from both ({@code processes} and {@code
   * process} → {@code process}; {@code caches} and {@code cache} → {@code cach}).
   */
  static String singular(String w) {
    String s = harman(w);
    if (s.length() >= 4
        && (s.endsWith("sse") || s.endsWith("xe") || s.endsWith("che") || s.endsWith("she"))) {
      return s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String harman(String w) {
    if (w.length() < 4) {
      return w;
    }
    if (w.endsWith("ies") && !w.endsWith("eies") && !w.endsWith("aies")) {
      return w.substring(0, w.length() - 3) + "y";
    }
    if (w.endsWith("es") && !w.endsWith("aes") && !w.endsWith("ees") && !w.endsWith("oes")) {
      return w.substring(0, w.length() - 1);
    }
    if (w.endsWith("s") && !w.endsWith("us") && !w.endsWith("ss")) {
      return w.substring(0, w.length() - 1);
    }
    return w;
  }
}
