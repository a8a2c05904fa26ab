import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Message, type MessageBus, NameFlag, RequestNameReply, sessionBus } from "@jellybrick/dbus-next";
import { browserAvailable } from "./browser.js";

/** The reference D-Bus daemon (Debian's `dbus-daemon` package). */
export const DBUS_DAEMON_PATH = "/usr/bin/dbus-daemon";

const NOTIFICATIONS = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH = "/org/freedesktop/Notifications";
/** `NotificationClosed`'s reason for a notification closed by a call to `CloseNotification`. */
const CLOSED_BY_CALL = 3;

/**
 * Whether the desktop-notification tests can run here: Chromium and a D-Bus daemon. Without
 * either they are skipped with a loud line, except under CI, where a missing one fails the run.
 */
export function desktopNotificationsAvailable(): boolean {
  if (!browserAvailable()) return false;
  if (existsSync(DBUS_DAEMON_PATH)) return true;
  if (process.env.CI === "true")
    throw new Error(`CI=true but no D-Bus daemon at ${DBUS_DAEMON_PATH}: apt-get install dbus-daemon`);
  console.warn(
    `\n!!!!! DESKTOP NOTIFICATION TESTS SKIPPED: no D-Bus daemon at ${DBUS_DAEMON_PATH} (apt-get install -y dbus-daemon as root) !!!!!\n`,
  );
  return false;
}

/** A notification as Chromium asked the desktop to show it (`Notify`). */
export interface DesktopNotification {
  id: number;
  appName: string;
  title: string;
  body: string;
  /** Action keys and labels, alternating: `default` is a click on the notification itself. */
  actions: string[];
}

/**
 * The desktop's notification server (the freedesktop.org Desktop Notifications spec), on a
 * private D-Bus session bus of its own: the part of a Linux desktop that shows Chromium's
 * notifications and tells it when the person clicks one. Chromium reaches it when started with
 * `env` (its `DBUS_SESSION_BUS_ADDRESS`).
 */
export interface NotificationServer {
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** Every notification asked for, in order (one replaced keeps its id and is listed again). */
  shown: DesktopNotification[];
  /** The ids Chromium closed, in order. */
  closed: number[];
  /** The person clicks notification `id`: the server signals `ActionInvoked(id, "default")`. */
  click(id: number): void;
  close(): Promise<void>;
}

export async function startNotificationServer(): Promise<NotificationServer> {
  const dir = mkdtempSync(join(tmpdir(), "natter-dbus-"));
  // A session bus that only listens in `dir` and starts no services (no accessibility bus, no
  // real notification daemon): the test's server is the only one.
  const config = join(dir, "session.conf");
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const daemon = spawn(DBUS_DAEMON_PATH, [`--config-file=${config}`, "--nofork", "--print-address"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    daemon.once("error", reject);
    daemon.once("exit", (code) => reject(new Error(`dbus-daemon exited (${code}) before it listened`)));
    createInterface({ input: daemon.stdout }).once("line", resolve);
  });
  const bus = sessionBus({ busAddress: address });
  const shown: DesktopNotification[] = [];
  const closed: number[] = [];
  let lastId = 0;
  bus.addMethodHandler((call: Message) => {
    if (call.interface !== NOTIFICATIONS) return false;
    if (call.member === "GetCapabilities") reply(bus, call, "as", [["actions", "body"]]);
    else if (call.member === "GetServerInformation") reply(bus, call, "ssss", ["natter-test", "natter", "1", "1.2"]);
    else if (call.member === "Notify") {
      const [appName, replacesId, , title, body, actions] = call.body as [
        string,
        number,
        string,
        string,
        string,
        string[],
      ];
      const id = replacesId === 0 ? ++lastId : replacesId;
      shown.push({ id, appName, title, body, actions });
      reply(bus, call, "u", [id]);
    } else if (call.member === "CloseNotification") {
      const [id] = call.body as [number];
      closed.push(id);
      reply(bus, call, "", []);
      bus.send(Message.newSignal(NOTIFICATIONS_PATH, NOTIFICATIONS, "NotificationClosed", "uu", [id, CLOSED_BY_CALL]));
    } else return false;
    return true;
  });
  // DO_NOT_QUEUE: fail rather than wait behind another owner (there is none on a private bus).
  if ((await bus.requestName(NOTIFICATIONS, NameFlag.DO_NOT_QUEUE)) !== RequestNameReply.PRIMARY_OWNER)
    throw new Error(`${NOTIFICATIONS} is taken on the test's own bus`);
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address },
    shown,
    closed,
    click: (id) =>
      bus.send(Message.newSignal(NOTIFICATIONS_PATH, NOTIFICATIONS, "ActionInvoked", "us", [id, "default"])),
    close: async () => {
      bus.disconnect();
      daemon.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function reply(bus: MessageBus, call: Message, signature: string, body: unknown[]): void {
  bus.send(Message.newMethodReturn(call, signature, body));
}
