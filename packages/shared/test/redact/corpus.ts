/**
 * A corpus of secrets as agents meet them in tool output (env dumps, .env files, config files, curl commands, git
 * remotes), each built at run time from a seeded generator in its service's documented format, so no secret scanner
 * mistakes this file for a leak and no real credential is in it.
 */

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(20261201);
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const BASE64 = `${ALNUM}+/`;
const BASE32 = `${UPPER}234567`;

/** `length` characters drawn from `alphabet`. */
export function chars(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}
const alnum = (n: number) => chars(ALNUM, n);
const hex = (n: number) => chars(HEX, n);
const b64url = (n: number) => chars(`${ALNUM}-_`, n);
const base64 = (bytes: number) => {
  const body = chars(BASE64, Math.ceil(bytes / 3) * 4 - (bytes % 3 === 0 ? 0 : 3 - (bytes % 3)));
  return body + "=".repeat((3 - (bytes % 3)) % 3);
};
const toBase64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

/** How a PEM body starts: DER's SEQUENCE (`MII…`), OpenSSH's `openssh-key-v1\0` magic, or an OpenPGP secret key packet. */
function magic(label: string): string {
  if (label.startsWith("OPENSSH")) return "b3BlbnNzaC1rZXktdjEAAAAA";
  if (label.startsWith("PGP")) return "lQOYBG";
  return label.startsWith("EC") ? "MHcCAQEEI" : "MIIE";
}

/** A PEM block of `label` with `lines` lines of 64 base64 characters, starting as its format does. */
export function pem(label: string, lines: number, lineBreak = "\n"): string {
  const body = (magic(label) + chars(BASE64, lines * 64 - magic(label).length)).match(/.{64}/g)!.join(lineBreak);
  return [`-----BEGIN ${label}-----`, body, `-----END ${label}-----`].join(lineBreak);
}

/** A JWT (HS256) with a random payload and signature. */
export function jwt(): string {
  const header = toBase64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = toBase64url(JSON.stringify({ sub: `user_${alnum(8)}`, iat: 1764547200, exp: 1764633600 }));
  return `${header}.${payload}.${b64url(43)}`;
}

/** A password as people pick them for services: letters, digits and a few symbols. */
const password = () => `${alnum(6)}-${alnum(5)}_${alnum(4)}`;

export interface SecretCase {
  /** What kind of secret (one per kind). */
  kind: string;
  /** The tool output that carries it. */
  text: string;
  /** The secret's characters, each of which must be gone after redaction (several for user + password pairs). */
  secrets: string[];
}

const at = (kind: string, text: string, ...secrets: string[]): SecretCase => ({ kind, text, secrets });

/** The corpus: one case per kind of secret. */
export function corpus(): SecretCase[] {
  const awsId = `AKIA${chars(BASE32, 16)}`;
  const awsSecret = chars(BASE64, 40);
  const asiaId = `ASIA${chars(BASE32, 16)}`;
  const sessionToken = `IQoJb3JpZ2luX2Vj${chars(BASE64, 300)}`;
  const ghp = `ghp_${alnum(36)}`;
  const githubPat = `github_pat_${alnum(22)}_${alnum(59)}`;
  const gho = `gho_${alnum(36)}`;
  const ghs = `ghs_${alnum(36)}`;
  const glpat = `glpat-${b64url(20)}`;
  const openai = `sk-proj-${b64url(58)}T3BlbkFJ${b64url(58)}`;
  const anthropic = `sk-ant-api03-${b64url(93)}AA`;
  const anthropicAdmin = `sk-ant-admin01-${b64url(93)}AA`;
  const slackBot = `xoxb-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${alnum(24)}`;
  const slackHook = `https://hooks.slack.com/services/T${chars(UPPER + DIGITS, 8)}/B${chars(UPPER + DIGITS, 10)}/${alnum(24)}`;
  const stripe = `sk_live_${alnum(99)}`;
  const whsec = `whsec_${alnum(32)}`;
  const aiza = `AIza${b64url(35)}`;
  const gocspx = `GOCSPX-${b64url(28)}`;
  const jwtToken = jwt();
  const bearer = b64url(40);
  const xApiKey = hex(32);
  const curlUser = `deploy:${password()}`;
  const basic = btoa(`admin:${password()}`);
  const pg = password();
  const mysql = password();
  const mongo = password();
  const redis = password();
  const amqp = password();
  const gitRemote = `ghp_${alnum(36)}`;
  const npm = `npm_${alnum(36)}`;
  const pypi = `pypi-AgEIcHlwaS5vcmc${b64url(70)}`;
  const hf = `hf_${chars(UPPER + LOWER, 34)}`;
  const sendgrid = `SG.${b64url(22)}.${b64url(43)}`;
  const twilio = `SK${hex(32)}`;
  const mailgun = `key-${hex(32)}`;
  const azure = base64(64);
  const shopify = `shpat_${hex(32)}`;
  const digitalocean = `dop_v1_${hex(64)}`;
  const databricks = `dapi${hex(32)}`;
  const heroku = `HRKU-AA${b64url(58)}`;
  const vault = `hvs.${b64url(95)}`;
  const doppler = `dp.pt.${alnum(43)}`;
  const linear = `lin_api_${alnum(40)}`;
  const discord = `${chars(DIGITS, 18)}.${b64url(6)}.${b64url(38)}`;
  const fooApiKey = alnum(32);
  const dbPassword = password();
  const cloudflare = b64url(40);
  const telegram = `${chars(DIGITS, 10)}:AA${b64url(33)}`;
  const grafana = `glsa_${alnum(32)}_${hex(8)}`;
  const postman = `PMAK-${hex(24)}-${hex(34)}`;
  const dockerAuth = btoa(`ci-bot:${password()}`);
  const kubeToken = jwt();
  const age = `AGE-SECRET-KEY-1${chars("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".toUpperCase(), 58)}`;
  const rsa = pem("RSA PRIVATE KEY", 12);
  const ec = pem("EC PRIVATE KEY", 3);
  const openssh = pem("OPENSSH PRIVATE KEY", 6);
  const gcpKey = pem("PRIVATE KEY", 10, "\\n");
  const pgp = pem("PGP PRIVATE KEY BLOCK", 8);

  return [
    at("AWS access key id (env)", `$ env | grep AWS\nAWS_ACCESS_KEY_ID=${awsId}\nAWS_REGION=eu-west-1`, awsId),
    at(
      "AWS secret access key (~/.aws/credentials)",
      `$ cat ~/.aws/credentials\n[default]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\n`,
      awsSecret,
    ),
    at("AWS temporary key id (STS)", `{"AccessKeyId": "${asiaId}", "Expiration": "2026-12-01T12:00:00Z"}`, asiaId),
    at("AWS session token", `export AWS_SESSION_TOKEN=${sessionToken}`, sessionToken),
    at("GitHub classic PAT", `GITHUB_TOKEN=${ghp}`, ghp),
    at("GitHub fine-grained PAT", `$ gh auth token\n${githubPat}`, githubPat),
    at("GitHub OAuth token", `oauth_token: ${gho}\n  user: octo`, gho),
    at("GitHub app token", `Using installation token ${ghs} for repo access`, ghs),
    at("GitLab PAT", `$ glab auth status\n  ✓ Token: ${glpat}`, glpat),
    at("OpenAI key", `OPENAI_API_KEY=${openai}`, openai),
    at("Anthropic API key", `ANTHROPIC_API_KEY=${anthropic}`, anthropic),
    at("Anthropic admin key", `export ANTHROPIC_ADMIN_KEY=${anthropicAdmin}`, anthropicAdmin),
    at("Slack bot token", `SLACK_BOT_TOKEN=${slackBot}`, slackBot),
    at(
      "Slack webhook URL",
      `curl -X POST -d '{"text":"hi"}' ${slackHook}`,
      slackHook.slice(slackHook.lastIndexOf("/") + 1),
    ),
    at("Stripe secret key", `stripe.api_key = "${stripe}"`, stripe),
    at("Stripe webhook secret", `STRIPE_WEBHOOK_SECRET=${whsec}`, whsec),
    at("GCP API key", `const maps = new Client({ key: "${aiza}" });`, aiza),
    at("Google OAuth client secret", `GOOGLE_CLIENT_SECRET=${gocspx}`, gocspx),
    at("RSA private key", `$ cat id_rsa\n${rsa}\n`, rsa.split("\n")[3]!),
    at("EC private key", `$ openssl ecparam -genkey -name prime256v1\n${ec}`, ec.split("\n")[2]!),
    at("OpenSSH ed25519 private key", `$ cat ~/.ssh/id_ed25519\n${openssh}`, openssh.split("\n")[2]!),
    at(
      "GCP service account key (JSON)",
      `{"type": "service_account", "private_key": "${gcpKey}\\n"}`,
      gcpKey.split("\\n")[4]!,
    ),
    at("PGP private key", `$ gpg --export-secret-keys --armor\n${pgp}`, pgp.split("\n")[4]!),
    at(
      "JWT in Authorization: Bearer",
      `curl -H "Authorization: Bearer ${jwtToken}" https://api.internal/v1/me`,
      jwtToken,
    ),
    at("opaque Bearer token", `curl -s -H "Authorization: Bearer ${bearer}" https://api.example.dev/v2/items`, bearer),
    at("X-Api-Key header", `curl -H "X-Api-Key: ${xApiKey}" https://api.example.dev/v1/status`, xApiKey),
    at(
      "curl -u user:password",
      `curl -u ${curlUser} https://ci.example.dev/api/json`,
      curlUser.slice(curlUser.indexOf(":") + 1),
    ),
    at("Basic auth header", `curl -H "Authorization: Basic ${basic}" https://registry.example.dev/v2/`, basic),
    at("PostgreSQL URL", `DATABASE_URL=postgres://app:${pg}@db.internal:5432/prod`, pg),
    at("MySQL URL", `mysql://root:${mysql}@127.0.0.1:3306/shop`, mysql),
    at("MongoDB URL", `MONGO_URI=mongodb+srv://svc:${mongo}@cluster0.ab1cd.mongodb.net/app`, mongo),
    at("Redis URL without user", `REDIS_URL=redis://:${redis}@cache.internal:6379/0`, redis),
    at("AMQP URL", `BROKER_URL=amqp://worker:${amqp}@rabbit.internal:5672//`, amqp),
    at(
      "token in a git remote",
      `$ git remote -v\norigin\thttps://oauth2:${gitRemote}@github.com/acme/app.git (fetch)`,
      gitRemote,
    ),
    at("npm token (.npmrc)", `//registry.npmjs.org/:_authToken=${npm}`, npm),
    at("PyPI token", `[pypi]\n  username = __token__\n  password = ${pypi}`, pypi),
    at("Hugging Face token", `HF_TOKEN=${hf}`, hf),
    at("SendGrid key", `SENDGRID_API_KEY=${sendgrid}`, sendgrid),
    at("Twilio API key", `TWILIO_API_KEY=${twilio}`, twilio),
    at("Mailgun key", `MAILGUN_API_KEY=${mailgun}`, mailgun),
    at(
      "Azure storage AccountKey",
      `AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${azure};EndpointSuffix=core.windows.net`,
      azure,
    ),
    at("Shopify access token", `SHOPIFY_ACCESS_TOKEN=${shopify}`, shopify),
    at("DigitalOcean PAT", `doctl auth init --access-token ${digitalocean}`, digitalocean),
    at("Databricks token", `DATABRICKS_TOKEN=${databricks}`, databricks),
    at("Heroku API key", `HEROKU_API_KEY=${heroku}`, heroku),
    at("Vault token", `VAULT_TOKEN=${vault}`, vault),
    at("Doppler token", `DOPPLER_TOKEN=${doppler}`, doppler),
    at("Linear API key", `LINEAR_API_KEY=${linear}`, linear),
    at("Discord bot token", `DISCORD_BOT_TOKEN=${discord}`, discord),
    at(".env FOO_API_KEY", `$ cat .env\nNODE_ENV=production\nFOO_API_KEY=${fooApiKey}\nPORT=3000`, fooApiKey),
    at(".env DATABASE_PASSWORD", `$ cat .env\nDATABASE_USER=app\nDATABASE_PASSWORD=${dbPassword}\n`, dbPassword),
    at("Cloudflare API token", `CLOUDFLARE_API_TOKEN=${cloudflare}`, cloudflare),
    at("Telegram bot token", `TELEGRAM_BOT_TOKEN=${telegram}`, telegram),
    at("Grafana service account token", `GRAFANA_TOKEN=${grafana}`, grafana),
    at("Postman API key", `postman login --with-api-key ${postman}`, postman),
    at(
      "Docker registry auth",
      `$ cat ~/.docker/config.json\n{"auths": {"ghcr.io": {"auth": "${dockerAuth}"}}}`,
      dockerAuth,
    ),
    at("Kubernetes token (kubeconfig)", `users:\n- name: ci\n  user:\n    token: ${kubeToken}`, kubeToken),
    at("age secret key", `# created: 2026-12-01\n# public key: age1${chars(LOWER + DIGITS, 58)}\n${age}`, age),
  ];
}

/** How a case fared: the secret is still there, only part of it is, or it is gone. */
export type Outcome = "missed" | "partial" | "caught";

/** Classifies `redacted`: missed if a secret is whole in it, partial if 8 characters in a row of one are left. */
export function outcome(redacted: string, secrets: readonly string[]): Outcome {
  if (secrets.some((secret) => redacted.includes(secret))) return "missed";
  for (const secret of secrets) {
    for (let i = 0; i + 8 <= secret.length; i++) if (redacted.includes(secret.slice(i, i + 8))) return "partial";
  }
  return "caught";
}
