import { Redis, SentinelConnector, type SentinelConnectionOptions } from "ioredis";

/** The stream a connector answers with (ioredis does not export its `NetStream`). */
type NetStream = Awaited<ReturnType<SentinelConnector["connect"]>>;

/** How often a sentinel subscriber tries again while its sentinel is away. */
const SENTINEL_RETRY = (times: number) => Math.min(times * 200, 2_000);

/**
 * How a Sentinel connection finds its master (ioredis's `Connector` option: every duplicate of the connection, such
 * as BullMQ's blocking consumers, gets one of its own) and follows a failover.
 *
 * ioredis's own failover detector (`failoverDetector: true`) is not used: on `+switch-master` it calls the
 * connector's `disconnect`, and when that lands while the connection is reconnecting (its master died and it is
 * asking the sentinels where the master is now), ioredis aborts that reconnect and ends the connection for good
 * (status `end`: every later command refused, no reconnect). In a master's failover most connections are
 * reconnecting just then, so an api, a beat or a worker was left with dead connections: runs committed then stayed
 * pending, the reconciler's passes failing, the consumers fetching nothing. Here a `+switch-master` for this master
 * drops only the connection's live stream (as a network error would: ioredis reconnects and asks the sentinels),
 * unless it is already on the new master; a connection that is reconnecting is left alone, since the sentinels it
 * is asking name the new master. A demoted master still alive is left by the READONLY reconnect
 * (`reconnectOnError`, redis.ts) and by ioredis's role check on connect.
 */
export class FollowingSentinelConnector extends SentinelConnector {
  /** ioredis builds a connector with the connection's options (`ConnectorConstructor` types them `unknown`). */
  constructor(options: unknown) {
    if (!isSentinelOptions(options)) throw new TypeError("a Sentinel connection needs its sentinels and master name");
    super({ ...options, failoverDetector: false });
  }

  override async connect(...args: Parameters<SentinelConnector["connect"]>): ReturnType<SentinelConnector["connect"]> {
    const stream = await super.connect(...args);
    // The sentinel that answered goes first and the next connect starts there, as ioredis's detector arranges;
    // otherwise the next connect would start past it and, past the last sentinel, wait and report them unreachable.
    this.sentinelIterator.reset(true);
    // The subscribers live as long as the stream they watch over: without one the connection is reconnecting and
    // asks the sentinels anyway, and a connection closed for good (quit, as BullMQ closes its own) leaves none.
    stream.once("connect", () => {
      const followers = this.follow(stream);
      stream.once("close", () => {
        for (const follower of followers) follower.disconnect();
      });
    });
    return stream;
  }

  /** One subscriber per sentinel to its `+switch-master`, which drops `stream` unless it is on the new master. */
  private follow(stream: NetStream): Redis[] {
    const { sentinels = [], name, sentinelUsername, sentinelPassword, sentinelTLS } = this.options;
    return sentinels.map((sentinel) => {
      const follower = new Redis({
        host: sentinel.host ?? "127.0.0.1",
        port: sentinel.port ?? 26379,
        ...(sentinelUsername != null && { username: sentinelUsername }),
        ...(sentinelPassword != null && { password: sentinelPassword }),
        ...(sentinelTLS !== undefined && { tls: sentinelTLS }),
        enableReadyCheck: false,
        maxRetriesPerRequest: null,
        retryStrategy: SENTINEL_RETRY,
      });
      // A sentinel away is the connection's own concern when it next asks them; here it is only noise.
      follower.on("error", () => undefined);
      follower.on("message", (_channel: string, message: string) => {
        // "<master name> <old ip> <old port> <new ip> <new port>"
        const [master, , , host, port] = message.split(" ");
        if (master !== name || stream.destroyed) return;
        if (stream.remoteAddress === host && stream.remotePort === Number(port)) return;
        stream.destroy();
      });
      follower.subscribe("+switch-master").catch(() => undefined);
      return follower;
    });
  }
}

function isSentinelOptions(options: unknown): options is SentinelConnectionOptions {
  return (
    typeof options === "object" &&
    options !== null &&
    "sentinels" in options &&
    Array.isArray(options.sentinels) &&
    "name" in options &&
    typeof options.name === "string"
  );
}
