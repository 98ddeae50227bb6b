package dev.sealdrop.server.core.grant;

import java.util.Map;
import java.util.TreeMap;

/**
 * The byte ranges a download handed out, merged as they touch: so that bytes read out of order (the end first, then
 * the start) are known to run without a gap once they do. At most {@value #MAX_RANGES} separate ranges are kept; a
 * client that scatters more reads than that has the ones past it left out, so that {@link #runFrom} may say less was
 * handed out without a gap than was, never more.
 */
public final class ServedRanges {
  public static final int MAX_RANGES = 1024;

  /** Start → end (exclusive) of each separate range; no two touch. */
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  /** Records that {@code [start, end)} was handed out. */
  public void add(long start, long end) {
    if (end <= start) {
      return;
    }
    long from = start;
    long to = end;
    Map.Entry<Long, Long> before = ranges.floorEntry(from);
    if (before != null && before.getValue() >= from) {
      from = before.getKey(); // (removed below, as the first range it touches)
    }
    boolean merged = false;
    for (Map.Entry<Long, Long> touching = ranges.ceilingEntry(from); touching != null && touching.getKey() <= to;
        touching = ranges.ceilingEntry(from)) {
      to = Math.max(to, touching.getValue());
      ranges.remove(touching.getKey());
      merged = true;
    }
    if (merged || ranges.size() < MAX_RANGES) {
      ranges.put(from, to);
    }
  }

  /**
   * Records that {@code [start, end)} was not handed out after all (a door read it ahead for its client, which then
   * asked for other bytes): what {@link #add} recorded of it is taken back, the rest kept.
   */
  public void remove(long start, long end) {
    if (end <= start) {
      return;
    }
    Map.Entry<Long, Long> before = ranges.lowerEntry(start);
    if (before != null && before.getValue() > start) {
      ranges.put(before.getKey(), start); // the part before start stays
      if (before.getValue() > end) {
        ranges.put(end, before.getValue()); // and the part after end
        return;
      }
    }
    for (Map.Entry<Long, Long> r = ranges.ceilingEntry(start); r != null && r.getKey() < end;
        r = ranges.ceilingEntry(start)) {
      ranges.remove(r.getKey());
      if (r.getValue() > end) {
        ranges.put(end, r.getValue());
        return;
      }
    }
  }

  /** The parts of {@code [start, end)} not recorded as handed out, in order, each as {start, end}. */
  public java.util.List<long[]> gaps(long start, long end) {
    java.util.List<long[]> gaps = new java.util.ArrayList<>();
    long at = start;
    Map.Entry<Long, Long> before = ranges.floorEntry(start);
    if (before != null && before.getValue() > at) {
      at = before.getValue();
    }
    for (Map.Entry<Long, Long> r = ranges.higherEntry(start); r != null && r.getKey() < end && at < end;
        r = ranges.higherEntry(r.getKey())) {
      if (r.getKey() > at) {
        gaps.add(new long[] {at, r.getKey()});
      }
      at = Math.max(at, r.getValue());
    }
    if (at < end) {
      gaps.add(new long[] {at, end});
    }
    return gaps;
  }

  /** Where the last range handed out ends ({@code otherwise} if none was). */
  public long end(long otherwise) {
    Map.Entry<Long, Long> last = ranges.lastEntry();
    return last == null ? otherwise : last.getValue();
  }

  /** Where the bytes handed out without a gap from {@code start} end ({@code start} itself if none were). */
  public long runFrom(long start) {
    Map.Entry<Long, Long> r = ranges.floorEntry(start);
    return r != null && r.getValue() >= start ? Math.max(start, r.getValue()) : start;
  }
}
