package dev.spartan.contract;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.SealedMessage;
import dev.spartan.proto.Sealed;
import java.util.HashMap;
import java.util.Map;

/** Between the crypto's {@link SealedMessage} and the proto's {@link Sealed}: the same fields, two types. */
public final class WireSealed {
    private WireSealed() {}

    public static Sealed toWire(SealedMessage m) {
        Sealed.Builder b =
                Sealed.newBuilder().setSalt(ByteString.copyFrom(m.salt())).setBody(ByteString.copyFrom(m.body()));
        m.wrappedKeys().forEach((name, key) -> b.putWrappedKeys(name, ByteString.copyFrom(key)));
        return b.build();
    }

    public static SealedMessage fromWire(Sealed s) {
        Map<String, byte[]> wrapped = new HashMap<>();
        s.getWrappedKeysMap().forEach((name, key) -> wrapped.put(name, key.toByteArray()));
        return new SealedMessage(s.getSalt().toByteArray(), s.getBody().toByteArray(), wrapped);
    }
}
