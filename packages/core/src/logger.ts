import winston from "winston";
import type { Config } from "./config";

export type Logger = winston.Logger;

/** JSON lines with `service` in every entry; `pretty` for a terminal. */
export function createLogger(service: string, config: Pick<Config, "LOG_LEVEL" | "LOG_FORMAT">): Logger {
  const format =
    config.LOG_FORMAT === "json"
      ? winston.format.combine(
          winston.format.timestamp(),
          winston.format.errors({ stack: true }),
          winston.format.json(),
        )
      : winston.format.combine(
          winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
          winston.format.errors({ stack: true }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, service: svc, ...meta }) => {
            const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : "";
            return `${String(timestamp)} ${String(svc)} ${level} ${String(message)}${rest}`;
          }),
        );
  return winston.createLogger({
    level: config.LOG_LEVEL,
    defaultMeta: { service },
    format,
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}
