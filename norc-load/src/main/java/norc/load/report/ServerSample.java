package norc.load.report;

/**
 * The server's resource use at one second of the run.
 *
 * @param cpuPercent CPU over the last second, 100 = one core busy
 * @param rssBytes resident memory
 */
public record ServerSample(int second, double cpuPercent, long rssBytes) {}
