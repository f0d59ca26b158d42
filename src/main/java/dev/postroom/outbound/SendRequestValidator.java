package dev.postroom.outbound;

import dev.postroom.mail.EmailAddress;
import dev.postroom.outbound.InvalidRequestException.FieldError;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The rules of {@code POST /send}, checked all at once so that a client sees every problem in one answer. */
@ApplicationScoped
public class SendRequestValidator {

    private final OutboundConfig.Limits limits;
    /** Lower-case addresses and "@domain"s a from may name; null: any. */
    private final Set<String> allowedSenders;

    public SendRequestValidator(OutboundConfig config) {
        this.limits = config.limits();
        this.allowedSenders = config.allowedSenders()
                .map(list -> list.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                        .map(s -> s.contains("@") ? s : "@" + s).collect(Collectors.toUnmodifiableSet()))
                .orElse(null);
    }

    public OutgoingEmail validate(SendRequest request) {
        if (request == null) {
            throw new InvalidRequestException("body", "a JSON object is required");
        }
        List<FieldError> errors = new ArrayList<>();
        List<EmailAddress> to = addresses("to", request.to(), errors);
        List<EmailAddress> cc = addresses("cc", request.cc(), errors);
        List<EmailAddress> bcc = addresses("bcc", request.bcc(), errors);
        if (request.to() == null || request.to().isEmpty()) {
            errors.add(new FieldError("to", "at least one recipient is required"));
        }
        int recipients = to.size() + cc.size() + bcc.size();
        if (recipients > limits.maxRecipients()) {
            errors.add(new FieldError("to", "too many recipients: " + recipients + " (to, cc and bcc together may have at most "
                    + limits.maxRecipients() + ")"));
        }
        EmailAddress from = address("from", request.from(), errors);
        if (from != null && !allowedSender(from)) {
            errors.add(new FieldError("from", "is not among the senders this service may send as"));
        }
        EmailAddress replyTo = address("replyTo", request.replyTo(), errors);

        String subject = request.subject();
        if (subject == null || subject.isBlank()) {
            errors.add(new FieldError("subject", "is required"));
        } else if (subject.indexOf('\r') >= 0 || subject.indexOf('\n') >= 0) {
            errors.add(new FieldError("subject", "must not contain line breaks"));
        } else if (subject.length() > limits.maxSubjectLength()) {
            errors.add(new FieldError("subject", "is longer than " + limits.maxSubjectLength() + " characters"));
        }

        boolean hasText = request.text() != null && !request.text().isEmpty();
        boolean hasHtml = request.html() != null && !request.html().isEmpty();
        if (!hasText && !hasHtml) {
            errors.add(new FieldError("text", "text or html is required"));
        } else {
            long bytes = utf8Length(request.text()) + utf8Length(request.html());
            if (bytes > limits.maxBodyBytes()) {
                errors.add(new FieldError(hasHtml ? "html" : "text", "the body is " + bytes + " bytes; at most "
                        + limits.maxBodyBytes() + " are accepted"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return new OutgoingEmail(to, cc, bcc, from, replyTo, subject.strip(), hasText ? request.text() : null,
                hasHtml ? request.html() : null);
    }

    private boolean allowedSender(EmailAddress from) {
        if (allowedSenders == null) {
            return true;
        }
        String address = from.address().toLowerCase(Locale.ROOT);
        return allowedSenders.contains(address) || allowedSenders.contains(address.substring(address.lastIndexOf('@')));
    }

    private static List<EmailAddress> addresses(String field, List<String> values, List<FieldError> errors) {
        if (values == null) {
            return List.of();
        }
        List<EmailAddress> parsed = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            EmailAddress address = address(field + "[" + i + "]", values.get(i), errors);
            if (address != null) {
                parsed.add(address);
            } else if (values.get(i) == null) {
                errors.add(new FieldError(field + "[" + i + "]", "is empty"));
            }
        }
        return parsed;
    }

    private static EmailAddress address(String field, String value, List<FieldError> errors) {
        if (value == null) {
            return null;
        }
        try {
            return EmailAddress.parse(value);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field, "'" + printable(value) + "' " + e.getMessage()));
            return null;
        }
    }

    private static String printable(String value) {
        String shown = value.replaceAll("[\\x00-\\x1f\\x7f]", "?");
        return shown.length() > 80 ? shown.substring(0, 77) + "..." : shown;
    }

    private static long utf8Length(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }
}
