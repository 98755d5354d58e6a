package io.sluice.log.server;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic consumer group, as Kafka names them (DescribeGroups and ListGroups report
 * {@link #kafkaName()}):
 *
 * <pre>
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
 *     ^                 ^   |                                                  |  leader's SyncGroup
 *     |                 |   +--no member left--> Empty                         v
 *     |                 +--member joins, leaves, expires, changes metadata-- Stable
 *   Dead: deleted (DeleteGroups), from Empty only.
 * </pre>
 */
enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    String kafkaName() {
        return kafkaName;
    }

    /** The states a group may move to this one from. */
    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.allOf(GroupState.class);
        };
    }
}
