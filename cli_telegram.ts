/**
 * The webhook's registration with Telegram, for operators:
 * `deno task telegram webhook set [--url URL] | delete [--drop-pending-updates] | info [--json]`.
 * It talks to the Bot API (TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT), never to the database.
 */
import { Api, HttpError } from "grammy";
import { z } from "zod";
import { ArgsError, readArgs } from "./cli_args.ts";
import { loadSetup } from "./catalog.ts";
import { ConfigError, scrubSecrets } from "./config.ts";
import { setWebhook } from "./bot/setup.ts";

/** Where `routes/telegram.ts` is mounted (`routes/app.ts`). */
const WEBHOOK_PATH = "/telegram/webhook";

export const TELEGRAM_HELP = `usage: deno task telegram webhook set [--url URL]
       deno task telegram webhook delete [--drop-pending-updates]
       deno task telegram webhook info [--json]
  set: points Telegram at URL (https, ending in /telegram/webhook; default TELEGRAM_WEBHOOK_URL)
       with TELEGRAM_WEBHOOK_SECRET
  delete: removes the webhook (long polling works again)
  info: what Telegram knows of the webhook: URL, pending updates, last error`;

/** Bad input: one line, exit 64. */
class TelegramUsageError extends Error {
  override name = "TelegramUsageError";
}

const options = z.object({
  url: z.url({
    protocol: /^https$/,
    error: (i) => `--url expects an https URL, got ${JSON.stringify(i.input)}`,
  }).optional(),
  "drop-pending-updates": z.boolean().default(false),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

function read(args: string[]) {
  try {
    const { values, positionals } = readArgs(
      args,
      {
        url: { type: "string" },
        "drop-pending-updates": { type: "boolean" },
        json: { type: "boolean" },
      },
      options,
      "--url, --drop-pending-updates, --json or --help",
    );
    return { positionals, ...values };
  } catch (e) {
    if (e instanceof ArgsError) throw new TelegramUsageError(e.message);
    throw e;
  }
}

/** Runs `telegram …` (the arguments after `telegram`); returns the exit code. */
export async function telegramCommand(
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  try {
    const o = read(args);
    if (o.help) {
      out(TELEGRAM_HELP);
      return 0;
    }
    const [noun, verb, extra] = o.positionals;
    if (noun !== "webhook") {
      throw new TelegramUsageError(noun ? `unknown telegram command "${noun}"` : "missing command");
    }
    if (!verb || !["set", "delete", "info"].includes(verb)) {
      throw new TelegramUsageError(
        verb ? `unknown webhook verb "${verb}": expected set, delete or info` : "missing verb",
      );
    }
    if (extra !== undefined) throw new TelegramUsageError(`unexpected argument "${extra}"`);
    if (verb !== "set" && o.url) throw new TelegramUsageError(`--url is for webhook set`);
    if (verb !== "delete" && o["drop-pending-updates"]) {
      throw new TelegramUsageError("--drop-pending-updates is for webhook delete");
    }
    const { telegram } = loadSetup(env).config;
    if (!telegram.botToken) throw new ConfigError(["TELEGRAM_BOT_TOKEN: required"]);
    // grammY waits 500 s for an answer by default: a Bot API that never answers hung the command
    const api = new Api(telegram.botToken, {
      timeoutSeconds: 10,
      ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}),
    });
    if (verb === "set") {
      const url = o.url ?? telegram.webhookUrl;
      if (!url) {
        throw new TelegramUsageError("webhook set: missing --url (or TELEGRAM_WEBHOOK_URL)");
      }
      if (!telegram.webhookSecret) {
        throw new ConfigError(["TELEGRAM_WEBHOOK_SECRET: required to register a webhook"]);
      }
      await setWebhook(api, { url, secretToken: telegram.webhookSecret });
      out(o.json ? JSON.stringify({ url, set: true }) : `webhook set to ${url}`);
      const path = new URL(url).pathname;
      if (path !== WEBHOOK_PATH) {
        // Fine behind a proxy that forwards it; otherwise Telegram's updates find no route.
        err(
          `note: Warden takes updates at ${WEBHOOK_PATH}, not ${path}: make sure whatever ` +
            `answers ${url} forwards them there`,
        );
      }
    } else if (verb === "delete") {
      await api.deleteWebhook({ drop_pending_updates: o["drop-pending-updates"] });
      out(o.json ? JSON.stringify({ deleted: true }) : "webhook deleted");
    } else {
      const info = await api.getWebhookInfo();
      if (o.json) out(JSON.stringify(info));
      else {
        out(`url: ${info.url || "(none: long polling)"}`);
        out(`pending updates: ${info.pending_update_count}`);
        if (info.last_error_date) {
          out(
            `last error: ${new Date(info.last_error_date * 1000).toISOString()} ${
              info.last_error_message ?? ""
            }`.trimEnd(),
          );
        }
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof TelegramUsageError) {
      err(`${error.message}\n${TELEGRAM_HELP}`);
      return 64;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    // grammY's HttpError says only "Network request for 'x' failed!"; its cause says why (a
    // timeout, a refused connection), and may hold the token in a URL: scrubbed
    const cause = error instanceof HttpError && error.error instanceof Error
      ? ` (${error.error.message})`
      : "";
    err(
      scrubSecrets(
        `failed: ${error instanceof Error ? error.message : String(error)}${cause}`,
        env,
      ),
    );
    return 1;
  }
}
