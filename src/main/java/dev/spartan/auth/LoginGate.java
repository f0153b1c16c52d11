package dev.spartan.auth;

/** Who may ask for a login challenge, and what a login with a valid key tells it (see ratelimit.LoginThrottle). */
public interface LoginGate {
    /** Admits one challenge for {@code user} from {@code caller}, or throws the status that refuses it. */
    void admit(Caller caller, String user);

    /** {@code user} logged in from {@code caller} with keys matching their pinned ones. */
    void proved(Caller caller, String user);

    /** Admits every challenge: for tests of the login itself. */
    LoginGate OPEN = new LoginGate() {
        @Override
        public void admit(Caller caller, String user) {}

        @Override
        public void proved(Caller caller, String user) {}
    };
}
