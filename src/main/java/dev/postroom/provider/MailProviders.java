package dev.postroom.provider;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import java.util.HashMap;
import java.util.Map;

/** Every {@link MailProvider} of the application, by {@link MailProvider#kind() kind}. */
@ApplicationScoped
public class MailProviders {

    private final Map<String, MailProvider> byKind = new HashMap<>();

    public MailProviders(Instance<MailProvider> providers) {
        for (MailProvider provider : providers) {
            if (byKind.put(provider.kind(), provider) != null) {
                throw new IllegalStateException("two mail providers of kind " + provider.kind());
            }
        }
    }

    public MailProvider get(String kind) {
        MailProvider provider = byKind.get(kind);
        if (provider == null) {
            throw new IllegalArgumentException("no mail provider of kind " + kind);
        }
        return provider;
    }
}
