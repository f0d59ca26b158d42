package dev.postroom.account;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

/** Settings of local accounts ({@code postroom.accounts.*}); see application.properties for what each means. */
@ConfigMapping(prefix = "postroom.accounts")
public interface AccountsConfig {

    /** bcrypt cost factor (2^cost rounds); tests lower it, production keeps 12 or more. */
    @WithDefault("12")
    int bcryptCost();

    /** How long a session stays valid after sign-in. */
    @WithDefault("P14D")
    Duration sessionLifetime();

    /** URL prefixes that {@code returnTo} must start with. */
    List<String> returnToAllowed();

    Attempts attempts();

    interface Attempts {
        /** Sign-up or sign-in attempts per client IP and window; 0 turns the limit off. */
        @WithDefault("10")
        int perWindow();

        @WithDefault("PT1M")
        Duration window();
    }
}
