package dev.postroom.web.api;

import dev.postroom.account.Caller;
import jakarta.enterprise.context.RequestScoped;

/** The authenticated caller of the current request, set by {@link ApiKeyFilter}. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller: is the resource annotated @ApiKeyProtected?");
        }
        return caller;
    }

    public String owner() {
        return get().owner();
    }
}
