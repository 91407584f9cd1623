package dev.leasehold.cli;

import picocli.CommandLine.Option;

/** The options every command takes: which cluster, where, and how to print. */
final class Target {
    /** How to print. */
    enum Output { table, json }

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "namespace of the cluster's Lease and pods (default: your kubeconfig context's, else default)")
    String namespace;

    @Option(names = {"-c", "--cluster"}, paramLabel = "CLUSTER", required = true,
            description = "the cluster's name: its Lease's name and the value of label leasehold.dev/cluster")
    String cluster;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE})")
    Output output;
}
