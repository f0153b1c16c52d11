package dev.spartan.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** A CIDR block such as {@code 127.0.0.0/8} or {@code ::1/128}. */
// equals and hashCode compare the array's contents
@SuppressWarnings("ArrayRecordComponent")
public record AddressRange(byte[] network, int prefix) {

    /** Parses {@code ADDRESS/PREFIX} (or a bare address: one host); throws IllegalArgumentException otherwise. */
    public static AddressRange parse(String cidr) {
        String[] parts = cidr.strip().split("/", -1);
        if (parts.length > 2 || !parts[0].matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("'" + cidr + "' is not an address range like 127.0.0.0/8");
        }
        byte[] address;
        try {
            address = InetAddress.getAllByName(parts[0])[0].getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + cidr + "' is not an address range like 127.0.0.0/8");
        }
        int bits = address.length * 8;
        int prefix;
        try {
            prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + cidr + "': the prefix must be 0.." + bits);
        }
        return new AddressRange(address, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRange r && prefix == r.prefix && Arrays.equals(network, r.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
