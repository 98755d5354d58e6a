package io.sluice.log.server;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a classic group: who it is, the protocols it supports (in its order of preference, each
 * with its metadata), its assignment, and the JoinGroup or SyncGroup request it is waiting on. Guarded by
 * the coordinator's lock.
 */
final class MemberMetadata {
    /** One protocol a member supports (for consumers: an assignor name and its subscription). */
    record Protocol(String name, byte[] metadata) {
    }

    static final byte[] NO_ASSIGNMENT = new byte[0];

    String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    final String protocolType;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = NO_ASSIGNMENT;
    /** Its pending JoinGroup while the group prepares a rebalance; null once answered. */
    CompletableFuture<GroupCoordinator.JoinResult> awaitingJoin;
    /** Its pending SyncGroup while the leader's assignment is awaited; null once answered. */
    CompletableFuture<GroupCoordinator.SyncResult> awaitingSync;
    /** Joined but not yet part of a generation: may wait up to the new-member join timeout. */
    boolean isNew;
    GroupTimer.Cancellable expiry;

    MemberMetadata(String memberId, String groupInstanceId, String clientId, String clientHost, String protocolType,
                   int rebalanceTimeoutMs, int sessionTimeoutMs, List<Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.protocolType = protocolType;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    /** The metadata this member sent for {@code protocol}, or null if it does not support it. */
    byte[] metadata(String protocol) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocol)) {
                return p.metadata();
            }
        }
        return null;
    }

    boolean supports(String protocol) {
        return metadata(protocol) != null;
    }

    /** True if {@code other} lists the same protocols with the same metadata in the same order. */
    boolean matches(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            Protocol a = protocols.get(i);
            Protocol b = other.get(i);
            if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) {
                return false;
            }
        }
        return true;
    }

    /** This member's most preferred protocol among {@code candidates}. */
    String vote(Set<String> candidates) {
        for (Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        throw new IllegalStateException("member " + memberId + " supports none of " + candidates);
    }

    @Override
    public String toString() {
        return memberId + (groupInstanceId == null ? "" : " (instance " + groupInstanceId + ")");
    }
}
