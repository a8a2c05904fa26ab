import type { AccountsService } from "./accounts-service.js";

/** Every service the routers call; built once per server by `createServices`. */
export interface Services {
  accounts: AccountsService;
}
