/**
 * Every member-facing text, in Fluent (Mozilla's localisation system, `@fluent/bundle`): one
 * folder per language under `locales/` (`en`, `es`; another language is another folder), one
 * `.ftl` file per part of the bot. Plurals come from `Intl.PluralRules` through Fluent's
 * selectors, numbers from `Intl.NumberFormat` (always grouped: "40,237", "40.237"); durations
 * and dates arrive already said (`i18n.ts`). Bidi isolation marks are off: Telegram shows text
 * as written.
 *
 * @example
 * t("es", "streak-days", { days: 5 }) // "5 días"
 */
import { FluentBundle, FluentNumber, FluentResource } from "@fluent/bundle";
import { type Language, LANGUAGES } from "./i18n.ts";

export type MessageArgs = Record<string, string | number>;

const LOCALES = new URL("../locales/", import.meta.url);
const LOCALE_TAG: Record<Language, string> = { en: "en-GB", es: "es-ES" };

let bundles: Map<Language, FluentBundle> | null = null;

/** Every `.ftl` of a language, in name order, into one bundle; a syntax error stops the start. */
function load(lang: Language): FluentBundle {
  const bundle = new FluentBundle(LOCALE_TAG[lang], { useIsolating: false });
  const dir = new URL(`${lang}/`, LOCALES);
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ftl"))
    .map((e) => e.name).sort();
  for (const name of files) {
    const errors = bundle.addResource(
      new FluentResource(Deno.readTextFileSync(new URL(name, dir))),
    );
    if (errors.length > 0) {
      throw new Error(`locales/${lang}/${name}: ${errors.map((e) => e.message).join("; ")}`);
    }
  }
  return bundle;
}

function all(): Map<Language, FluentBundle> {
  bundles ??= new Map(LANGUAGES.map((l) => [l, load(l)]));
  return bundles;
}

/** Whether `id` is a message of `lang`. */
export function hasMessage(lang: Language, id: string): boolean {
  return all().get(lang)!.hasMessage(id);
}

/** Every message id of `lang` (for the tests that keep the languages in step). */
export function messageIds(lang: Language): string[] {
  // deno-lint-ignore no-explicit-any -- the bundle's map of messages is not in its types
  return [...((all().get(lang)! as any)._messages as Map<string, unknown>).keys()].sort();
}

/**
 * The text of message `id` in `lang` with `args`. Numbers are formatted (and select plural
 * forms) in the language; an unknown id or a missing argument throws, naming it.
 */
export function t(lang: Language, id: string, args: MessageArgs = {}): string {
  const bundle = all().get(lang)!;
  const message = bundle.getMessage(id);
  if (!message?.value) throw new Error(`no message "${id}" in locales/${lang}`);
  const values: Record<string, string | FluentNumber> = {};
  for (const [k, v] of Object.entries(args)) {
    values[k] = typeof v === "number" ? new FluentNumber(v, { useGrouping: "always" } as never) : v;
  }
  const errors: Error[] = [];
  const text = bundle.formatPattern(message.value, values, errors);
  if (errors.length > 0) {
    throw new Error(
      `message "${id}" in locales/${lang}: ${errors.map((e) => e.message).join("; ")}`,
    );
  }
  return text;
}
