package dev.postroom.provider.graph;

import dev.postroom.provider.Advice;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain-words explanations of the Microsoft identity platform's errors, for the person who was linking a mailbox.
 * Microsoft names the precise cause with an AADSTS code at the start of {@code error_description}; the OAuth
 * {@code error} is the fallback.
 */
final class IdentityPlatformAdvice {

    private static final Pattern AADSTS = Pattern.compile("\\bAADSTS(\\d+)\\b");

    private IdentityPlatformAdvice() {
    }

    static Advice explain(String error, String description, String redirectUri) {
        String aadsts = aadsts(description);
        String code = aadsts != null ? "AADSTS" + aadsts : error;
        if (aadsts != null) {
            switch (aadsts) {
                case "50020", "90072" -> {
                    return new Advice("This Microsoft account can't sign in to this app",
                            "The account you chose (probably a personal Microsoft account such as outlook.com or "
                                    + "hotmail.com, or an account of another organization) is not allowed by the way "
                                    + "Postroom's app is registered in Microsoft Entra: it accepts accounts of a single "
                                    + "organization only.",
                            "The administrator of this Postroom must change the app registration to \"Accounts in any "
                                    + "organizational directory and personal Microsoft accounts\" "
                                    + "(signInAudience AzureADandPersonalMicrosoftAccount) and use the common authority "
                                    + "(POSTROOM_OUTLOOK_AUTHORITY_URL=https://login.microsoftonline.com/common). "
                                    + "Or link a mailbox of the organization the app is registered in.", code);
                }
                case "501481" -> {
                    return new Advice("The sign-in could not be completed securely",
                            "Microsoft refused to finish the sign-in because the proof that it was started here "
                                    + "(the PKCE code verifier) did not match.",
                            "Start linking again from Postroom, in the same browser window. If it keeps happening, "
                                    + "tell the administrator.", code);
                }
                case "65004" -> {
                    return declined(code);
                }
                case "65001", "90094", "90095" -> {
                    return new Advice("An administrator must approve Postroom",
                            "Your organization lets only administrators grant apps access to mail.",
                            "Ask an administrator of your Microsoft 365 organization to grant consent to the Postroom "
                                    + "app (Mail.ReadWrite, Mail.Send, User.Read, offline_access), then link again.", code);
                }
                case "50011", "500113" -> {
                    return new Advice("Postroom's address is not registered with Microsoft",
                            "Microsoft does not know the address it was asked to send you back to.",
                            "The administrator of this Postroom must add " + redirectUri + " as a redirect URI of "
                                    + "platform \"Web\" in the app registration (Authentication), or set "
                                    + "POSTROOM_PUBLIC_URL to the address that is registered.", code);
                }
                case "700016" -> {
                    return misconfigured(code, "Microsoft does not know Postroom's app (client id) in this directory.",
                            "Check POSTROOM_OUTLOOK_CLIENT_ID against the app registration's Application (client) ID, "
                                    + "and that POSTROOM_OUTLOOK_AUTHORITY_URL uses the tenant the app is registered "
                                    + "in, or \"common\" for a multi-tenant app.");
                }
                case "7000218" -> {
                    return misconfigured(code, "Microsoft expects Postroom to prove who it is with a client secret.",
                            "Create a client secret (Certificates & secrets) and set POSTROOM_OUTLOOK_CLIENT_SECRET, or "
                                    + "allow public client flows in the app registration.");
                }
                case "7000215", "7000222" -> {
                    return misconfigured(code, "Postroom's client secret is wrong or has expired.",
                            "Create a new client secret in the app registration (Certificates & secrets) and set it "
                                    + "as POSTROOM_OUTLOOK_CLIENT_SECRET.");
                }
                case "70011" -> {
                    return misconfigured(code, "Microsoft refused the permissions Postroom asked for.",
                            "Check the app registration's API permissions: Microsoft Graph, delegated, offline_access, "
                                    + "Mail.ReadWrite, Mail.Send and User.Read.");
                }
                case "70008", "54005", "70000" -> {
                    return startAgain(code, "The sign-in took too long or was already completed, so Microsoft's "
                            + "one-time code is no longer valid.");
                }
                case "700082", "50173", "50133", "70043" -> {
                    return startAgain(code, "Microsoft no longer accepts Postroom's access to this mailbox (the "
                            + "sign-in expired, was revoked or the password changed).");
                }
                default -> {
                    // fall through to the OAuth error below
                }
            }
        }
        return switch (error == null ? "" : error) {
            case "access_denied", "consent_required" -> declined(code);
            case "interaction_required", "login_required" ->
                    startAgain(code, "Microsoft needs you to sign in again before it lets Postroom in.");
            case "invalid_grant" -> startAgain(code, "Microsoft did not accept the sign-in it was given.");
            case "temporarily_unavailable", "server_error" -> new Advice("Microsoft is unavailable right now",
                    "Microsoft's sign-in service had a problem and could not complete the sign-in.",
                    "Wait a minute and link again.", code);
            case "unauthorized_client", "invalid_client", "invalid_request", "invalid_scope", "unsupported_response_type" ->
                    misconfigured(code, "Microsoft refused the request Postroom made.",
                            "Check the app registration and the POSTROOM_OUTLOOK_* settings against README, "
                                    + "\"Linking Outlook\".");
            default -> new Advice("Linking the mailbox failed",
                    "Microsoft did not complete the sign-in.",
                    "Link again. If it keeps failing, give the administrator the error code below.", code);
        };
    }

    private static Advice declined(String code) {
        return new Advice("Linking was cancelled",
                "The permissions Postroom needs were not granted, so no mailbox was linked.",
                "Link again and accept the permissions: read and change your mail, send mail, read your profile, "
                        + "and keep access while you are away (offline access).", code);
    }

    private static Advice startAgain(String code, String whatHappened) {
        return new Advice("Please sign in again", whatHappened, "Start linking again from Postroom.", code);
    }

    private static Advice misconfigured(String code, String whatHappened, String whatToDo) {
        return new Advice("Postroom's connection to Microsoft is not set up right", whatHappened,
                "Tell the administrator of this Postroom. For them: " + whatToDo, code);
    }

    static String aadsts(String description) {
        if (description == null) {
            return null;
        }
        Matcher matcher = AADSTS.matcher(description);
        return matcher.find() ? matcher.group(1) : null;
    }
}
