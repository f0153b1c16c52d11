package dev.spartan.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens handed out by a successful login. One live token per user: a new login revokes the previous one,
 * which matches the rule that a second client for the same user replaces the first. Tokens are per node; a client
 * that moves to another node logs in again.
 */
public final class SessionTokens {
    private final SecureRandom random = new SecureRandom();
    private final Map<String, String> userByToken = new ConcurrentHashMap<>();
    private final Map<String, String> tokenByUser = new ConcurrentHashMap<>();

    public synchronized String issue(String user) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String old = tokenByUser.put(user, token);
        if (old != null) {
            userByToken.remove(old);
        }
        userByToken.put(token, user);
        return token;
    }

    /** Users with a live token on this node: the users logged in here. */
    public int loggedIn() {
        return tokenByUser.size();
    }

    public Optional<String> userOf(String token) {
        return Optional.ofNullable(userByToken.get(token));
    }
}
