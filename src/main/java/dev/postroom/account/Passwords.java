package dev.postroom.account;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Base64;
import java.util.function.Supplier;

/**
 * bcrypt password hashes. Hashing is deliberately slow (a quarter of a second at cost 12), so it never runs on the
 * Vert.x event loop: the work goes to a worker thread and the result comes back on the caller's context (where
 * Hibernate Reactive's session lives).
 *
 * <p>bcrypt only reads the first 72 bytes of its input, so the password is first reduced to a fixed-length
 * SHA-256 (base64, 44 characters): long passwords keep all their strength and two that share 72 bytes differ.
 */
@ApplicationScoped
public class Passwords {

    private final int cost;
    private volatile String dummyHash;

    public Passwords(AccountsConfig config) {
        this.cost = config.bcryptCost();
    }

    /** The bcrypt hash of {@code password}, computed on a worker thread. */
    public Uni<String> hash(String password) {
        return offloaded(() -> BcryptUtil.bcryptHash(prehash(password), cost));
    }

    /**
     * Whether {@code password} matches {@code hash}. Without a hash (no such user), checks against a dummy hash of the
     * same cost, so that an unknown email takes as long as a wrong password and timing tells nothing.
     */
    public Uni<Boolean> matches(String password, String hash) {
        return offloaded(() -> {
            boolean matches = BcryptUtil.matches(prehash(password == null ? "" : password), hash == null ? dummyHash() : hash);
            return hash != null && matches;
        });
    }

    private String dummyHash() {
        String dummy = dummyHash;
        if (dummy == null) {
            dummy = BcryptUtil.bcryptHash(prehash(Secrets.token()), cost);
            dummyHash = dummy;
        }
        return dummy;
    }

    private static String prehash(String password) {
        return Base64.getEncoder().encodeToString(Secrets.sha256(password));
    }

    private static <T> Uni<T> offloaded(Supplier<T> work) {
        Context context = Vertx.currentContext();
        Uni<T> onWorker = Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? onWorker : onWorker.emitOn(command -> context.runOnContext(ignored -> command.run()));
    }
}
