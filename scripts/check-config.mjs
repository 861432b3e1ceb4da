/**
 * `npm run check:config`: reads both workers' `wrangler.jsonc` with wrangler's own config reader (so environments
 * resolve exactly as `wrangler deploy --env …` resolves them) and fails on the deployment mistakes wrangler itself
 * accepts but that break a running shareroom. Prints what each environment deploys. Rules, each with what breaks:
 *
 * | rule | otherwise |
 * |---|---|
 * | every binding, variable and required secret of the top level is declared again in each named environment | named environments do not inherit them: the worker deploys without them and fails at run time |
 * | the page's `API` service binding names the sessions worker of the same environment | `/api` and `/ws` reach the wrong deployment, or none |
 * | no hostname is claimed by two workers or two environments | wrangler in CI silently moves a custom domain to whichever deploy ran last |
 * | every named environment declares its own `routes` | `routes` are inherited: deploying it would take production's domains |
 * | worker names, R2 buckets and rate-limit namespaces differ between environments | preview would overwrite production's code or data, or share its rate limits |
 * | `PUBLIC_SHARE_URL` is empty or an origin the page serves; set whenever the API has a domain | share links point at a host that serves no page |
 * | `SHARE_TTL_DAYS` is a whole number, `REDACT_SECRETS` is "true" or "false" | the worker reads them as 0 / on |
 * | both workers use one compatibility date | the two runtimes differ |
 *
 * `--outputs <environment>` also writes `sessions_name`, `web_name`, `bucket` and `page_origin` (empty without a page
 * domain) for that environment (`production` or a named one) to `$GITHUB_OUTPUT`, or prints them when it is unset.
 * Exit code 1 on any problem.
 */
import { appendFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig, unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const FILES = {
  sessions: `${ROOT}packages/sessions/wrangler.jsonc`,
  web: `${ROOT}packages/web/wrangler.jsonc`,
};
/** The top-level configuration is what `wrangler deploy` without `--env` deploys; the workflows call it production. */
const PRODUCTION = "production";

const problems = [];
const problem = (env, text) => problems.push(`${env}: ${text}`);

/** The environments either file defines, production first. */
function environments() {
  const names = new Set([PRODUCTION]);
  for (const file of Object.values(FILES)) {
    for (const name of Object.keys(experimental_readRawConfig({ config: file }).rawConfig.env ?? {})) names.add(name);
  }
  return [...names];
}

/** One worker's resolved configuration for an environment, or null if the file does not define that environment. */
function read(worker, env) {
  if (env !== PRODUCTION && !experimental_readRawConfig({ config: FILES[worker] }).rawConfig.env?.[env]) return null;
  return unstable_readConfig({ config: FILES[worker], env: env === PRODUCTION ? undefined : env });
}

/** The hostnames a worker claims with `routes`: a custom domain is a hostname, a route pattern starts with one. */
function hostnames(config) {
  return (config.routes ?? []).map((route) => {
    const pattern = typeof route === "string" ? route : route.pattern;
    return pattern
      .replace(/^https?:\/\//, "")
      .split("/")[0]
      .replace(/^\*\.?/, "");
  });
}

/** The names a config binds, by kind, for the bindings named environments do not inherit. */
function declared(config) {
  return {
    "durable_objects.bindings": (config.durable_objects?.bindings ?? []).map((binding) => binding.name),
    r2_buckets: (config.r2_buckets ?? []).map((binding) => binding.binding),
    ratelimits: (config.ratelimits ?? []).map((binding) => binding.name),
    services: (config.services ?? []).map((binding) => binding.binding),
    vars: Object.keys(config.vars ?? {}),
    "secrets.required": config.secrets?.required ?? [],
  };
}

const envs = environments();
const resolved = {};
for (const env of envs) {
  const sessions = read("sessions", env);
  const web = read("web", env);
  if (!sessions || !web) {
    problem(env, `defined in only one of the two wrangler.jsonc files; define it in both (the page needs an API)`);
    continue;
  }
  resolved[env] = { sessions, web };
}

const top = resolved[PRODUCTION];
const claims = new Map();
for (const [env, { sessions, web }] of Object.entries(resolved)) {
  for (const [worker, config] of Object.entries({ sessions, web })) {
    // Bindings that named environments do not inherit must be repeated, or the deployed worker lacks them.
    if (env !== PRODUCTION) {
      const want = declared(top[worker]);
      const have = declared(config);
      for (const [kind, names] of Object.entries(want)) {
        const missing = names.filter((name) => !have[kind].includes(name));
        if (missing.length) problem(env, `${worker}: env.${env} lacks ${kind} ${missing.join(", ")} (not inherited)`);
      }
      const raw = experimental_readRawConfig({ config: FILES[worker] }).rawConfig.env[env];
      if (raw.routes === undefined && raw.route === undefined) {
        problem(env, `${worker}: env.${env} has no "routes"; add "routes": [] or its own, or it takes production's`);
      }
    }
    for (const host of hostnames(config)) {
      const owner = `${config.name} (${env})`;
      if (claims.has(host)) problem(env, `${host} is claimed by both ${claims.get(host)} and ${owner}`);
      else claims.set(host, owner);
    }
  }

  const api = web.services?.find((service) => service.binding === "API");
  if (api?.service !== sessions.name) {
    problem(env, `web's API service binding points at "${api?.service}", not this environment's "${sessions.name}"`);
  }

  const pageHosts = hostnames(web);
  const apiHosts = hostnames(sessions);
  const shareUrl = sessions.vars?.PUBLIC_SHARE_URL ?? "";
  if (shareUrl) {
    let url = null;
    try {
      url = new URL(shareUrl);
    } catch {}
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== shareUrl) {
      problem(env, `PUBLIC_SHARE_URL "${shareUrl}" must be an origin: https://host, no path, no trailing slash`);
    } else if (apiHosts.includes(url.hostname)) {
      problem(env, `PUBLIC_SHARE_URL points at the API domain ${url.hostname}, which serves no page`);
    } else if (pageHosts.length && !pageHosts.includes(url.hostname)) {
      problem(env, `PUBLIC_SHARE_URL host ${url.hostname} is not a page domain (${pageHosts.join(", ")})`);
    }
  } else if (apiHosts.length) {
    problem(env, `the API has a domain (${apiHosts.join(", ")}): set PUBLIC_SHARE_URL to the page origin`);
  }
  if (!/^\d+$/.test(String(sessions.vars?.SHARE_TTL_DAYS ?? ""))) {
    problem(env, `SHARE_TTL_DAYS must be a whole number of days ("0" keeps shares)`);
  }
  if (!["true", "false"].includes(String(sessions.vars?.REDACT_SECRETS))) {
    problem(env, `REDACT_SECRETS must be "true" or "false"`);
  }
  if (sessions.compatibility_date !== web.compatibility_date) {
    problem(env, `compatibility dates differ: sessions ${sessions.compatibility_date}, web ${web.compatibility_date}`);
  }
}

// What must be unique per environment, so preview can never touch production.
const unique = {
  "worker name": (c) => [c.sessions.name, c.web.name],
  "R2 bucket": (c) => (c.sessions.r2_buckets ?? []).map((bucket) => bucket.bucket_name),
  "rate-limit namespace": (c) => (c.sessions.ratelimits ?? []).map((limit) => limit.namespace_id),
};
for (const [what, values] of Object.entries(unique)) {
  const seen = new Map();
  for (const [env, config] of Object.entries(resolved)) {
    for (const value of values(config)) {
      if (seen.has(value) && seen.get(value) !== env)
        problem(env, `${what} "${value}" is also used by ${seen.get(value)}`);
      seen.set(value, env);
    }
  }
}

/** Facts the deploy workflow needs for one environment. */
function outputs(env) {
  const { sessions, web } = resolved[env];
  const page = hostnames(web)[0];
  return {
    sessions_name: sessions.name,
    web_name: web.name,
    bucket: sessions.r2_buckets?.find((bucket) => bucket.binding === "SHARES")?.bucket_name ?? "",
    page_origin: page ? `https://${page}` : "",
  };
}

/** Where a worker answers: its domains, and workers.dev unless turned off (wrangler's default: on without routes). */
function reachable(config, otherwise) {
  const hosts = hostnames(config).map((host) => `https://${host}`);
  if (config.workers_dev ?? hosts.length === 0) hosts.push("workers.dev");
  return `${config.name} → ${hosts.length ? hosts.join(", ") : otherwise}`;
}

const rows = Object.entries(resolved).map(([env, { sessions, web }]) => {
  const limits = (sessions.ratelimits ?? []).map(
    (limit) => `${limit.name} ${limit.simple?.limit}/${limit.simple?.period}s`,
  );
  return [
    env,
    reachable(web, "nowhere: add a route or turn workers_dev on"),
    reachable(sessions, "the page's service binding only"),
    outputs(env).bucket,
    sessions.vars?.SHARE_TTL_DAYS === "0" ? "keep" : `${sessions.vars?.SHARE_TTL_DAYS} days`,
    limits.join(", "),
  ];
});
const header = ["environment", "page (web)", "API (sessions)", "R2 bucket", "retention", "rate limits"];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => String(row[i]).length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join("  "));

const wanted = process.argv.indexOf("--outputs");
if (wanted !== -1) {
  const env = process.argv[wanted + 1];
  if (!env || !resolved[env]) {
    problem(env ?? "?", `--outputs needs one of: ${Object.keys(resolved).join(", ")}`);
  } else {
    const lines = Object.entries(outputs(env)).map(([key, value]) => `${key}=${value}`);
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by GitHub Actions; this script is not a turbo task.
    const file = process.env.GITHUB_OUTPUT;
    if (file) appendFileSync(file, `${lines.join("\n")}\n`);
    else console.log(lines.join("\n"));
  }
}

if (problems.length) {
  console.error(`\n${problems.length} configuration problem(s), see docs/deploy.md:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`\nconfiguration ok: ${envs.join(", ")}`);
