// Prints a development bearer token signed with JWT_SECRET from .dev.vars:
//   npm run token -- <sub> [--admin] [--minutes N]
// For trying the API locally; production tokens come from your identity provider.
import { readFileSync } from "node:fs";
import { SignJWT } from "jose";

const args = process.argv.slice(2);
const sub = args.find((arg) => !arg.startsWith("--")) ?? "alice";
const minutesAt = args.indexOf("--minutes");
const minutes = minutesAt >= 0 ? Number(args[minutesAt + 1]) : 60;

const secret = /^JWT_SECRET=(.+)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
if (!secret) {
  console.error("No JWT_SECRET in .dev.vars: run `npm run dev` once to create it.");
  process.exit(1);
}
const claims = args.includes("--admin") ? { role: "admin" } : {};
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(sub)
  .setIssuedAt()
  .setExpirationTime(`${minutes}m`)
  .sign(new TextEncoder().encode(secret));
console.log(token);
