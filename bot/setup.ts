import type { Api } from "grammy";
import { ALLOWED_UPDATES } from "./poller.ts";

/** The menu members see next to the message box (`setMyCommands`): the member commands. */
export const COMMAND_MENU = [
  { command: "start", description: "Start here: I'll message you about level-ups" },
  { command: "help", description: "What I can do" },
  { command: "profile", description: "Level, XP, streak, lives, rank and badges" },
  { command: "top", description: "The leaderboard: day, week, month or all" },
  { command: "badges", description: "Your badges and progress toward the rest" },
  { command: "streak", description: "Your streak and protections" },
  { command: "lives", description: "Your lives and when the next one comes back" },
  { command: "quiz", description: "A quiz in private: costs a life, pays XP" },
  { command: "hide", description: "Leave the leaderboards" },
  { command: "show", description: "Come back to the leaderboards" },
  { command: "case", description: "The open dilemma cases, or one: /case 12" },
  { command: "verify", description: "Check a closed case's verdict against its commitment" },
  { command: "propose", description: "Propose a dilemma (judged before it goes live)" },
  { command: "wallet", description: "Link your wallet for on-chain rewards (in private)" },
] as const;

/** A command of the members' menu. */
export type MenuCommand = (typeof COMMAND_MENU)[number]["command"];

/** The same menu for members whose Telegram app is in Spanish. */
export const COMMAND_MENU_ES = [
  { command: "start", description: "Empieza aquí: te escribiré cuando subas de nivel" },
  { command: "help", description: "Lo que sé hacer" },
  { command: "profile", description: "Nivel, XP, racha, vidas, puesto e insignias" },
  { command: "top", description: "La clasificación: día, semana, mes o histórica" },
  { command: "badges", description: "Tus insignias y lo que te falta" },
  { command: "streak", description: "Tu racha y sus protecciones" },
  { command: "lives", description: "Tus vidas y cuándo vuelve la siguiente" },
  { command: "quiz", description: "Un cuestionario en privado: cuesta una vida, da XP" },
  { command: "hide", description: "Salir de las clasificaciones" },
  { command: "show", description: "Volver a las clasificaciones" },
  { command: "case", description: "Los casos de dilemas abiertos, o uno: /case 12" },
  { command: "verify", description: "Comprobar el veredicto de un caso cerrado" },
  { command: "propose", description: "Proponer un dilema (se revisa antes de publicarlo)" },
  {
    command: "wallet",
    description: "Vincular tu cartera para recompensas en cadena (en privado)",
  },
] as const;

/** What group admins see on top of the members' menu. */
const ADMIN_MENU = [
  { command: "settings", description: "This group's settings" },
  { command: "givexp", description: "Give XP: /givexp @user N reason" },
  { command: "takexp", description: "Take XP: /takexp @user N reason" },
  { command: "resetxp", description: "Reset a member's XP: /resetxp @user" },
] as const;
const ADMIN_MENU_ES = [
  { command: "settings", description: "Los ajustes de este grupo" },
  { command: "givexp", description: "Dar XP: /givexp @usuario N motivo" },
  { command: "takexp", description: "Quitar XP: /takexp @usuario N motivo" },
  { command: "resetxp", description: "Poner a cero los XP de un miembro: /resetxp @usuario" },
] as const;

const ADMINS = { type: "all_chat_administrators" } as const;

/** Every `setMyCommands` call the start makes: members and group admins, English and Spanish. */
export const COMMAND_MENUS = [
  { commands: [...COMMAND_MENU] },
  { commands: [...COMMAND_MENU_ES], language_code: "es" as const },
  { commands: [...COMMAND_MENU, ...ADMIN_MENU], scope: ADMINS },
  { commands: [...COMMAND_MENU_ES, ...ADMIN_MENU_ES], scope: ADMINS, language_code: "es" as const },
];

/** Telegram's default and the most it allows: concurrent webhook connections. */
export const WEBHOOK_MAX_CONNECTIONS = 40;

export interface WebhookRegistration {
  url: string;
  secretToken: string;
}

/** Points Telegram at the webhook, with the secret it must send back and the updates read. */
export async function setWebhook(api: Api, webhook: WebhookRegistration): Promise<void> {
  await api.setWebhook(webhook.url, {
    secret_token: webhook.secretToken,
    allowed_updates: [...ALLOWED_UPDATES],
    max_connections: WEBHOOK_MAX_CONNECTIONS,
  });
}

/**
 * What the start tells Telegram: the command menu, and with a webhook URL, the webhook.
 * Both calls are idempotent, so every replica makes them.
 */
export async function registerBot(
  api: Api,
  o: { webhook?: WebhookRegistration } = {},
): Promise<void> {
  for (const { commands, ...other } of COMMAND_MENUS) await api.setMyCommands(commands, other);
  if (o.webhook) await setWebhook(api, o.webhook);
}
