package dev.spartan.client;

/**
 * What a client does beyond the protocol's minimum.
 *
 * @param durableOutbox    keep unsent messages in files in the key directory, so that quitting or a crash loses none
 * @param deliveryReceipts send the peer an end-to-end encrypted receipt for each 1:1 message shown
 */
public record ClientFeatures(boolean durableOutbox, boolean deliveryReceipts) {
    /** A client for a program (a benchmark, a test): nothing on disk but the keys, no receipts. */
    public static final ClientFeatures NONE = new ClientFeatures(false, false);
}
