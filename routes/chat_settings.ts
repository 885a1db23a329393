import { Hono } from "hono";
import type postgres from "postgres";
import {
  readSettings,
  settingsPatch,
  UnknownZoneError,
  updateSettings,
} from "../domain/chat_settings.ts";
import { bearerAuth } from "./auth.ts";
import { deadline, HttpError, knownQuery } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import { idParam } from "./api.ts";

/**
 * `GET` and `PATCH /api/chats/:chat/settings` (bearer): a chat's language, time zone, quiet
 * hours, report chat, cases, XP multiplier, no-XP forum topics and level-up announcements. A bad body answers 400 naming every field at fault; nothing is changed.
 */
export function chatSettingsRoutes(
  { sql, adminToken, deadlineMs }: { sql: postgres.Sql; adminToken?: string; deadlineMs?: number },
) {
  const admin = bearerAuth(adminToken);
  const bounded = deadline(deadlineMs);
  const unknown = (chat: number) => new HttpError(404, `unknown chat ${chat}`);
  /** Unknown `keys` at `path`, the first five of them (a body may send thousands). */
  const named = (path: PropertyKey[], keys: string[]) =>
    keys.slice(0, 5).map((k) => [...path, k].join(".")).join(", ") +
    (keys.length > 5 ? ` and ${keys.length - 5} more` : "");
  /** The fields of the object at `path` in a patch: the patch's own, or quietHours'. */
  const known = (path: PropertyKey[]) =>
    Object.keys(path.length ? settingsPatch.shape.quietHours.unwrap().shape : settingsPatch.shape)
      .join(", ");
  return new Hono()
    .get("/chats/:chat/settings", admin, knownQuery(), bounded, async (c) => {
      const chat = idParam(c, "chat");
      const settings = await readSettings(sql, chat);
      if (!settings) throw unknown(chat);
      return c.json(settings);
    })
    .patch("/chats/:chat/settings", admin, knownQuery(), bounded, async (c) => {
      const chat = idParam(c, "chat");
      const parsed = settingsPatch.safeParse(await jsonBody(c));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) =>
          i.code === "unrecognized_keys"
            ? `${named(i.path, i.keys)}: unknown field${i.keys.length > 1 ? "s" : ""}, ` +
              `known are ${known(i.path)}`
            : i.path.length
            ? `${i.path.join(".")}: ${i.message}`
            : i.message
        );
        throw new HttpError(400, `bad settings: ${problems.join("; ")}`);
      }
      const settings = await updateSettings(sql, chat, parsed.data).catch((error) => {
        throw error instanceof UnknownZoneError ? new HttpError(400, error.message) : error;
      });
      if (!settings) throw unknown(chat);
      return c.json(settings);
    });
}
