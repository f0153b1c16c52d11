package dev.spartan.testing;

import dev.spartan.store.MessageStore;
import dev.spartan.store.StoreUnavailableException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;

/**
 * A real store with switches for the failures a server must survive: while {@link #down} every call throws
 * {@link StoreUnavailableException}, as the Redis store does when Redis cannot be reached; while
 * {@link #groupsKeepChanging} each group's version moves between the moment a send reads it and the moment the store
 * checks it, as if a membership change won every race. Everything else goes to the real store unchanged.
 */
public final class UnreliableStore implements InvocationHandler {
    private final MessageStore real;
    private final MessageStore store;
    private volatile boolean down;
    private volatile boolean groupsKeepChanging;

    private UnreliableStore(MessageStore real) {
        this.real = Objects.requireNonNull(real, "real");
        this.store = (MessageStore)
                Proxy.newProxyInstance(MessageStore.class.getClassLoader(), new Class<?>[] {MessageStore.class}, this);
    }

    public static UnreliableStore over(MessageStore real) {
        return new UnreliableStore(real);
    }

    /** The store to hand to the code under test. */
    public MessageStore store() {
        return store;
    }

    public void down(boolean down) {
        this.down = down;
    }

    public void groupsKeepChanging(boolean changing) {
        this.groupsKeepChanging = changing;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return method.invoke(this, args);
        }
        boolean closing = method.getName().equals("close");
        if (down && !closing) {
            throw new StoreUnavailableException("the store is down (test)", null);
        }
        try {
            Object result = method.invoke(real, args);
            if (groupsKeepChanging && method.getName().equals("groupVersion")) {
                return (Long) result + 1; // what the sender reads is already stale when the store checks it
            }
            return result;
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
