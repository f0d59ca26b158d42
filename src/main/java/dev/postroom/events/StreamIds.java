package dev.postroom.events;

import java.util.regex.Pattern;

/**
 * Redis stream ids, {@code <milliseconds>-<sequence>}: they order the events of a topic. Compared as two numbers,
 * never as text ("10-0" comes after "9-0").
 */
public final class StreamIds {

    /** Before every id: following from here replays the whole stream. */
    public static final String BEGINNING = "0-0";

    private static final Pattern ID = Pattern.compile("\\d{1,19}-\\d{1,19}");

    private StreamIds() {
    }

    /** Whether {@code id} is a well-formed stream id (a Last-Event-ID comes from the client: check it). */
    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Negative, zero or positive as {@code a} is before, equal to or after {@code b}. Both must be valid. */
    public static int compare(String a, String b) {
        int dashA = a.indexOf('-');
        int dashB = b.indexOf('-');
        int byTime = Long.compareUnsigned(Long.parseUnsignedLong(a, 0, dashA, 10), Long.parseUnsignedLong(b, 0, dashB, 10));
        return byTime != 0 ? byTime
                : Long.compareUnsigned(Long.parseUnsignedLong(a, dashA + 1, a.length(), 10),
                        Long.parseUnsignedLong(b, dashB + 1, b.length(), 10));
    }

    /** The id just before every event appended at {@code millis} (Redis server time) or later. */
    public static String before(long millis) {
        return millis <= 0 ? BEGINNING : (millis - 1) + "-" + Long.MAX_VALUE;
    }

    /** The Redis server time (ms since the epoch) at which the event was appended: the id's first part. */
    public static long millis(String id) {
        return Long.parseUnsignedLong(id, 0, id.indexOf('-'), 10);
    }
}
