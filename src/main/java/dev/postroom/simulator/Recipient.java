package dev.postroom.simulator;

/** A name and an address, as Graph writes them: {@code {"emailAddress":{"name":...,"address":...}}}. */
public record Recipient(String name, String address) {

    public Recipient {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("a recipient needs an address");
        }
        name = name == null || name.isBlank() ? address : name;
    }

    /** {@code "Jane Doe <jane@example.org>"} or a bare address. */
    public static Recipient parse(String text) {
        String value = text.strip();
        int open = value.lastIndexOf('<');
        if (open >= 0 && value.endsWith(">")) {
            String name = value.substring(0, open).strip().replace("\"", "");
            return new Recipient(name, value.substring(open + 1, value.length() - 1).strip());
        }
        return new Recipient(null, value);
    }
}
