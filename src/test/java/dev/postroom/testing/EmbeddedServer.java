package dev.postroom.testing;

import java.util.Map;

/**
 * A real server that tests and the local run start on this machine, on a free port.
 *
 * <p>{@link #config()} is the Quarkus configuration that points Postroom at it.
 */
public interface EmbeddedServer {

    /** What a person calls it in an error message: "PostgreSQL", "Redis", ... */
    String name();

    void start() throws Exception;

    void stop();

    Map<String, String> config();
}
