package dev.spartan.config;

/**
 * The bounds on what one user can make the server hold or do, from config.yaml's optional {@code limits:} mapping.
 *
 * @param heldMessages           {@code limits.held_messages}: messages a pending chat may hold before it is accepted
 * @param heldBytes              {@code limits.held_bytes}: bytes those held messages may take
 * @param historyKept            {@code limits.history_kept}: messages the store keeps per conversation for History
 *                               (never fewer than {@code max_num_messages_per_user})
 * @param historyPage            {@code limits.history_page}: most messages one History answer carries
 * @param historyCallsPerMinute  {@code limits.history_calls_per_minute}: History calls per user per minute
 * @param groupsPerUser          {@code limits.groups_per_user}: run-time groups a user may be a member of
 * @param membersPerGroup        {@code limits.members_per_group}: members of a run-time group, its creator included
 * @param groupChangesPerMinute  {@code limits.group_changes_per_minute}: CreateGroup and LeaveGroup calls per user
 *                               per minute
 * @param groupInvitationsPerUser {@code limits.group_invitations_per_user}: group invitations a user may have waiting
 *                               for an answer (from different inviters: one each at a time)
 * @param groupInvitationHours   {@code limits.group_invitation_hours}: how long a group invitation can be accepted
 * @param devicesPerUser         {@code limits.devices_per_user}: devices an account may have, the first included
 */
public record Limits(
        int heldMessages,
        int heldBytes,
        int historyKept,
        int historyPage,
        int historyCallsPerMinute,
        int groupsPerUser,
        int membersPerGroup,
        int groupChangesPerMinute,
        int groupInvitationsPerUser,
        int groupInvitationHours,
        int devicesPerUser) {

    /** Devices per account unless limits.devices_per_user says otherwise. */
    public static final int DEVICES_PER_USER = 5;

    /** The bytes of one History answer, whatever its count: far below gRPC's 4 MiB default message size. */
    public static final int HISTORY_PAGE_BYTES = 1024 * 1024;

    public static final Limits DEFAULTS =
            new Limits(100, 1024 * 1024, 100, 50, 60, 50, 50, 10, 20, 72, DEVICES_PER_USER);

    /**
     * These limits with the two that rate limiters were built with at start ({@code history_calls_per_minute},
     * {@code group_changes_per_minute}) taken from {@code running}: a SIGHUP cannot change those.
     */
    public Limits withRatesOf(Limits running) {
        return new Limits(
                heldMessages,
                heldBytes,
                historyKept,
                historyPage,
                running.historyCallsPerMinute,
                groupsPerUser,
                membersPerGroup,
                running.groupChangesPerMinute,
                groupInvitationsPerUser,
                groupInvitationHours,
                devicesPerUser);
    }

    public Limits withHistoryKept(int kept) {
        return new Limits(
                heldMessages,
                heldBytes,
                kept,
                historyPage,
                historyCallsPerMinute,
                groupsPerUser,
                membersPerGroup,
                groupChangesPerMinute,
                groupInvitationsPerUser,
                groupInvitationHours,
                devicesPerUser);
    }
}
