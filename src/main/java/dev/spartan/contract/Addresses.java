package dev.spartan.contract;

/**
 * Device addresses (PROTOCOL.md, "Devices"): device 1 of an account is addressed by the user's name, device N by
 * {@code user#N}. Names cannot contain '#', so an address names one device of one user. Everything that belongs to a
 * device (inbox, push stream, session token, prekeys, Signal sessions) is keyed by its address; everything that
 * belongs to a person (chats, groups, pinned identity, rate limit) by the user.
 */
public final class Addresses {
    public static final char SEPARATOR = '#';
    /** The highest device id an address may carry. */
    public static final int MAX_DEVICE = 1_000_000;

    private Addresses() {}

    /** The address of device {@code device} (1 and up) of {@code user}. */
    public static String of(String user, int device) {
        if (device < 1) {
            throw new IllegalArgumentException("device ids start at 1, not " + device);
        }
        return device == 1 ? user : user + SEPARATOR + device;
    }

    /** The user an address belongs to. */
    public static String userOf(String address) {
        int at = address.indexOf(SEPARATOR);
        return at < 0 ? address : address.substring(0, at);
    }

    /** The device id of an address: 1 without '#'; -1 if what follows '#' is not a device id above 1. */
    public static int deviceOf(String address) {
        int at = address.indexOf(SEPARATOR);
        if (at < 0) {
            return 1;
        }
        String digits = address.substring(at + 1);
        if (digits.isEmpty()
                || digits.length() > 7
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || digits.charAt(0) == '0') {
            return -1;
        }
        int id = Integer.parseInt(digits);
        return id >= 2 && id <= MAX_DEVICE ? id : -1;
    }
}
