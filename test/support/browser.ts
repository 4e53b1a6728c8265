// The one place tests find and start a headless browser. Found the way such tests usually do:
// $CHROMIUM_PATH first, then the system's Chromium or Chrome (by name on PATH, then at the standard
// install paths, macOS's included), then the Chromium inside the @sparticuz/chromium devDependency.
// That one runs without system libraries once unpacked with the libraries and fonts it bundles; it
// is unpacked once (~210 MB) into the cache folder, not the temp dir, and reused by every later run.
// Started by playwright-core with a throwaway profile and no network services of its own.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { findOnPath } from "../../automation/aws/preflight";
import { cacheDir } from "../../common/cache-dir";
import { isExecutableFile } from "../../common/executable";

export const BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"] as const;

/** Where packages and installers put Chromium and Chrome, on Linux and macOS. */
export function standardBrowserPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const apps = ["/Applications", ...(env.HOME ? [path.join(env.HOME, "Applications")] : [])];
  return [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/google-chrome",
    "/opt/google/chrome/chrome",
    ...apps.flatMap((dir) => [
      path.join(dir, "Google Chrome.app/Contents/MacOS/Google Chrome"),
      path.join(dir, "Chromium.app/Contents/MacOS/Chromium"),
    ]),
  ];
}

/** A browser found on this machine, not yet started. */
export interface BrowserBinary {
  executablePath: string;
  /** Where it came from, for messages: CHROMIUM_PATH, PATH, a standard path, or the registry package. */
  source: string;
  /** Variables to lay over the test's environment when launching it (the bundled libraries and fonts). */
  env: Record<string, string>;
}

export interface FindBrowserOptions {
  /** The environment to look in: CHROMIUM_PATH, PATH, TRAIL_LAB_CACHE, HOME. */
  env?: NodeJS.ProcessEnv;
  /** The install paths to try after PATH (default: standardBrowserPaths). */
  standardPaths?: readonly string[];
}

export class BrowserNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BrowserNotFoundError";
  }
}

/** How long unpacking the registry package's Chromium may take: a bound, not an expectation. */
const UNPACK_TIMEOUT_MS = 5 * 60_000;

export async function findBrowser(options: FindBrowserOptions = {}): Promise<BrowserBinary> {
  const env = options.env ?? process.env;
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (!isExecutableFile(chosen)) {
      throw new BrowserNotFoundError(
        `CHROMIUM_PATH=${chosen} is not an executable file: point it at a Chromium or Chrome binary, or unset it to let the tests look for one.`,
      );
    }
    return { executablePath: chosen, source: "CHROMIUM_PATH", env: {} };
  }
  for (const name of BROWSER_NAMES) {
    const found = findOnPath(name, env);
    if (found) return { executablePath: found, source: `${name} on PATH`, env: {} };
  }
  const paths = options.standardPaths ?? standardBrowserPaths(env);
  for (const file of paths) {
    if (isExecutableFile(file)) return { executablePath: file, source: file, env: {} };
  }
  return registryChromium(env, paths);
}

/** The Chromium of @sparticuz/chromium, unpacked into the cache folder on first use. */
async function registryChromium(env: NodeJS.ProcessEnv, triedPaths: readonly string[]): Promise<BrowserBinary> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new BrowserNotFoundError(
      `No Chromium or Chrome found: CHROMIUM_PATH is unset, none of ${BROWSER_NAMES.join(", ")} is on PATH, and none is at ${triedPaths.join(", ") || "the standard paths"}. ` +
        `The registry's @sparticuz/chromium ships a browser for Linux x64 only, not ${process.platform} ${process.arch}: install Chrome or Chromium, or set CHROMIUM_PATH.`,
    );
  }
  const entry = require.resolve("@sparticuz/chromium");
  const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  const dir = cacheDir("sparticuz-chromium", version, env);
  if (!isComplete(dir)) {
    fs.rmSync(dir, { recursive: true, force: true });
    await unpack(entry, dir);
  }
  return {
    executablePath: path.join(dir, "chromium"),
    source: `@sparticuz/chromium ${version} in ${dir}`,
    env: {
      LD_LIBRARY_PATH: [path.join(dir, "al2023", "lib"), env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter),
      FONTCONFIG_PATH: path.join(dir, "fontconfig"),
    },
  };
}

function isComplete(dir: string): boolean {
  return (
    isExecutableFile(path.join(dir, "chromium")) &&
    fs.existsSync(path.join(dir, "al2023", "lib")) &&
    fs.existsSync(path.join(dir, "fontconfig", "fonts.conf"))
  );
}

// Runs in a child: the package unpacks into os.tmpdir() (so TMPDIR chooses where) and unpacks its
// Amazon Linux libraries (NSS, NSPR, expat) only when it believes it runs in a Lambda runtime.
const UNPACK_SCRIPT = `import(process.argv[1]).then(async ({ default: chromium }) => process.stdout.write(await chromium.executablePath()));`;

/** Unpacks beside `dir` and renames into place, so a run stopped half-way leaves no half a browser. */
async function unpack(entry: string, dir: string): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.partial-`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", UNPACK_SCRIPT, pathToFileURL(entry).href], {
      env: { ...process.env, TMPDIR: staging, AWS_LAMBDA_JS_RUNTIME: "nodejs22.x" },
      timeout: UNPACK_TIMEOUT_MS,
    });
    if (stdout !== path.join(staging, "chromium") || !fs.existsSync(path.join(staging, "al2023", "lib"))) {
      throw new BrowserNotFoundError(
        `@sparticuz/chromium unpacked to ${stdout || "nowhere"}, not ${staging}: its layout changed; see test/support/browser.ts.`,
      );
    }
    // Its own fonts.conf names Lambda's folders (/tmp/fonts); this one names the unpacked fonts.
    fs.mkdirSync(path.join(staging, "fontconfig"));
    const xml = (p: string) => p.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    fs.writeFileSync(
      path.join(staging, "fontconfig", "fonts.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${xml(path.join(dir, "fonts", "fonts"))}</dir>\n  <cachedir>${xml(path.join(dir, "fontconfig", "cache"))}</cachedir>\n</fontconfig>\n`,
    );
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      // Another run unpacked the same version first: use that one.
      if (!isComplete(dir)) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** A started browser: its one context, and how to stop it and drop its profile. */
export interface LaunchedBrowser {
  context: BrowserContext;
  /** Where the browser came from (findBrowser's `source`), for messages. */
  source: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** How to find the browser; findBrowser() by default. */
  find?: () => Promise<BrowserBinary>;
  viewport?: { width: number; height: number };
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const binary = await (options.find ?? (() => findBrowser()))();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: binary.executablePath,
      env: { ...process.env, ...binary.env },
      headless: true,
      // Without the background-networking flags Chromium keeps dialling out, and this machine refuses.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: options.viewport ?? { width: 1200, height: 900 },
    });
    return {
      context,
      source: binary.source,
      close: async () => {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Chromium now and then refuses a capture outright and takes the very same picture when asked
 * again: seen here with the registry's Chromium on a loaded machine, about one full-page capture in
 * ten. Only that refusal is asked again, a bounded number of times.
 */
const CAPTURE_REFUSED = /Unable to capture screenshot/;
export const SCREENSHOT_ATTEMPTS = 3;

/** A full-page screenshot of `page` into `file`, asked again (up to SCREENSHOT_ATTEMPTS) only when Chromium refuses the capture. */
export async function screenshot(page: Pick<Page, "screenshot">, file: string, pauseMs = 250): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: file, fullPage: true });
      return;
    } catch (error) {
      if (attempt >= SCREENSHOT_ATTEMPTS || !CAPTURE_REFUSED.test(error instanceof Error ? error.message : String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
