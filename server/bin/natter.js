#!/usr/bin/env node
// natter ships TypeScript sources; tsx compiles them as they load.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
