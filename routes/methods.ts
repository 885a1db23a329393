import type { Context, Hono } from "hono";

const patterns = new Map<string, RegExp>();

/** A Hono route path as a regular expression: `:name` one segment, `:name{a|b}` its pattern. */
function pathPattern(path: string): RegExp {
  let pattern = patterns.get(path);
  if (!pattern) patterns.set(path, pattern = compile(path));
  return pattern;
}

function compile(path: string): RegExp {
  const source = path.split(/(:\w+(?:\{[^}]*\})?|\*)/).map((part) => {
    if (part === "*") return ".*";
    const param = /^:\w+(?:\{([^}]*)\})?$/.exec(part);
    if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
    return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  return new RegExp(`^${source}$`);
}

/** The methods `app`'s routes answer at `path` (middleware, registered for every method, aside). */
export function methodsAt(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || !pathPattern(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods].sort();
}

/**
 * What no route answered: a path some route answers with another method is 405 with `Allow`
 * naming them (OPTIONS: 204 with the same header), anything else 404.
 */
export function notFound(app: Hono) {
  return (c: Context) => {
    const allowed = methodsAt(app, c.req.path);
    if (allowed.length === 0) {
      return c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404);
    }
    const allow = [...allowed, "OPTIONS"].join(", ");
    if (c.req.method === "OPTIONS") return c.body(null, 204, { allow });
    return c.json(
      {
        error: `${c.req.method} is not allowed on ${c.req.path}: use ${
          allowed.filter((m) => m !== "HEAD").join(" or ")
        }`,
      },
      405,
      { allow },
    );
  };
}
