package io.sluice.log.server;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;

/** Small helpers shared by the group coordinator's parts; stateless, so thread-safe (callers hold the coordinator lock). */
final class GroupSupport {
    private GroupSupport() {
    }

    /** Common checks of Heartbeat, SyncGroup and member commits: the group and the member exist and match. */
    static Errors validateMember(GroupMetadata g, String memberId, String groupInstanceId) {
        if (g == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (g.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (g.isStaticMemberFenced(memberId, groupInstanceId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!g.has(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return Errors.NONE;
    }

    static Set<String> protocolNames(List<MemberMetadata.Protocol> protocols) {
        Set<String> names = new LinkedHashSet<>();
        protocols.forEach(p -> names.add(p.name()));
        return names;
    }

    static void cancel(GroupTimer.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }

    static String reason(String reason) {
        return reason == null || reason.isEmpty() ? "" : " (" + reason + ")";
    }

    static <T> CompletableFuture<T> done(CompletableFuture<T> f, T value) {
        f.complete(value);
        return f;
    }
}
