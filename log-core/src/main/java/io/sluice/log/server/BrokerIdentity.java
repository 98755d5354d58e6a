package io.sluice.log.server;

/** The single broker this server is: its node id and the address clients are told to use. */
record BrokerIdentity(int nodeId, String host, int port, String clusterId) {
}
