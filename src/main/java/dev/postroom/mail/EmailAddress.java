package dev.postroom.mail;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An email address as RFC 5322 writes it in a header: {@code jane@example.org} or {@code Jane Doe <jane@example.org>}
 * (the display name may be quoted: {@code "Doe, Jane" <jane@example.org>}).
 *
 * <p>Parsing is strict where a lax parser would let harm through: no CR, LF or other control characters anywhere
 * (header injection), a dot-atom or quoted local part, a domain of valid DNS labels (internationalised names are
 * stored in their ASCII form), and the RFC 5321 length limits.
 */
public record EmailAddress(String displayName, String address) {

    private static final Pattern ATEXT = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+");
    private static final Pattern QUOTED_LOCAL = Pattern.compile("\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]");

    public EmailAddress {
        if (address == null) {
            throw new IllegalArgumentException("address is missing");
        }
    }

    /**
     * Parses one address; the message of the exception says what is wrong in words a caller can show.
     */
    public static EmailAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        if (CONTROL.matcher(text).find()) {
            throw new IllegalArgumentException("contains a line break or another control character");
        }
        String trimmed = text.strip();
        if (trimmed.endsWith(">")) {
            int open = trimmed.lastIndexOf('<');
            if (open < 0) {
                throw new IllegalArgumentException("has '>' without '<'");
            }
            String name = displayName(trimmed.substring(0, open).strip());
            return new EmailAddress(name, addrSpec(trimmed.substring(open + 1, trimmed.length() - 1).strip()));
        }
        return new EmailAddress(null, addrSpec(trimmed));
    }

    private static String displayName(String raw) {
        if (raw.isEmpty()) {
            return null;
        }
        if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
            return raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        if (raw.indexOf('<') >= 0 || raw.indexOf('>') >= 0) {
            throw new IllegalArgumentException("has an unquoted '<' or '>' in the display name");
        }
        return raw;
    }

    private static String addrSpec(String spec) {
        int at = spec.lastIndexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw new IllegalArgumentException("is not of the form local-part@domain");
        }
        String local = spec.substring(0, at);
        String domain = domain(spec.substring(at + 1));
        if (!isDotAtom(local) && !QUOTED_LOCAL.matcher(local).matches()) {
            throw new IllegalArgumentException("has an invalid local part '" + local + "'");
        }
        if (local.length() > 64) {
            throw new IllegalArgumentException("has a local part longer than 64 characters");
        }
        String address = local + "@" + domain;
        if (address.length() > 254) {
            throw new IllegalArgumentException("is longer than 254 characters");
        }
        return address;
    }

    private static boolean isDotAtom(String text) {
        if (text.isEmpty() || text.startsWith(".") || text.endsWith(".") || text.contains("..")) {
            return false;
        }
        for (String atom : text.split("\\.")) {
            if (!ATEXT.matcher(atom).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String domain(String raw) {
        String ascii;
        try {
            ascii = IDN.toASCII(raw, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has an invalid domain '" + raw + "'");
        }
        String[] labels = ascii.split("\\.", -1);
        if (labels.length < 2 || ascii.length() > 253) {
            throw new IllegalArgumentException("has an invalid domain '" + raw + "' (a fully qualified name is needed)");
        }
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("has an invalid domain '" + raw + "'");
            }
        }
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("has an invalid domain '" + raw + "'");
        }
        return ascii;
    }

    /** The RFC 5322 form, with the display name quoted when it needs to be. */
    @Override
    public String toString() {
        if (displayName == null || displayName.isEmpty()) {
            return address;
        }
        boolean plain = displayName.chars().allMatch(c -> c == ' ' || (c < 128 && ATEXT.matcher(String.valueOf((char) c)).matches()));
        String name = plain ? displayName : "\"" + displayName.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return name + " <" + address + ">";
    }
}
