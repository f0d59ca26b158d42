package dev.postroom.provider;

import java.util.Objects;

/** A folder as a message delta needs it: its id (to call the API) and its display name (to put on the documents). */
public record FolderRef(String id, String name) {

    public FolderRef {
        Objects.requireNonNull(id, "id");
    }
}
