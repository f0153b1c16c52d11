package dev.spartan.ops;

import dev.spartan.config.Limits;
import dev.spartan.config.OperationsConfig;
import dev.spartan.config.SpartanConfig;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a SIGHUP changes: the config file read again and compared with the running one. Users and config groups,
 * {@code log_level} and the {@code limits:} are applied, but for the two that rate limiters were built with at start
 * ({@code limits.history_calls_per_minute}, {@code limits.group_changes_per_minute}); any other key that changed is
 * named as needing a restart, and keeps its old value.
 */
public final class ConfigReload {
    /** What changed, in words, and the running config with what could be applied. */
    public record Outcome(List<String> applied, List<String> needRestart, SpartanConfig running) {}

    private ConfigReload() {}

    public static Outcome compare(SpartanConfig running, SpartanConfig reloaded) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        for (String user : reloaded.users()) {
            if (!running.isUser(user)) {
                applied.add("user " + user + " added");
            }
        }
        for (String user : running.users()) {
            if (!reloaded.isUser(user)) {
                applied.add("user " + user + " removed");
            }
        }
        reloaded.groups().forEach((name, members) -> {
            List<String> before = running.groups().get(name);
            if (before == null) {
                applied.add("group " + name + " added " + members);
            } else if (!before.equals(members)) {
                applied.add("group " + name + " now " + members);
            }
        });
        running.groups().keySet().stream()
                .filter(name -> !reloaded.groups().containsKey(name))
                .forEach(name -> applied.add("group " + name + " removed"));
        String before = running.operations().logLevel();
        String after = reloaded.operations().logLevel();
        if (after != null && !after.equals(before)) {
            applied.add("log_level " + after);
        }
        Limits limits = reloaded.limits().withRatesOf(running.limits());
        for (RecordComponent c : Limits.class.getRecordComponents()) {
            Object a = value(c, running.limits());
            Object b = value(c, reloaded.limits());
            if (!Objects.equals(a, b)) {
                String key = "limits." + snake(c.getName());
                if (Objects.equals(value(c, limits), b)) {
                    applied.add(key + " " + b);
                } else {
                    restart.add(key);
                }
            }
        }
        for (RecordComponent c : SpartanConfig.class.getRecordComponents()) {
            String name = c.getName();
            if (name.equals("users") || name.equals("groups") || name.equals("limits")) {
                continue;
            }
            Object a = value(c, running);
            Object b = value(c, reloaded);
            if (name.equals("operations")) { // log_level is applied; the rest of it needs a restart
                a = ((OperationsConfig) a).withLogLevel(null);
                b = ((OperationsConfig) b).withLogLevel(null);
            }
            if (!Objects.equals(a, b)) {
                restart.add(name);
            }
        }
        SpartanConfig next = running.withUsersAndGroups(reloaded.users(), reloaded.groups())
                .withLimits(limits)
                .withOperations(running.operations().withLogLevel(after != null ? after : before));
        return new Outcome(applied, restart, next);
    }

    /** {@code groupsPerUser} -> {@code groups_per_user}, as config.yaml spells it. */
    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Object value(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
