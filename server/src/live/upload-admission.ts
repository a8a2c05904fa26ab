import { NatterError } from "@natter/shared";
import { CountedSlots } from "./counted-slots.js";

/** How many uploads may stream in at once, and how long a body may send nothing. */
export interface UploadAdmissionPolicy {
  /** Off for load tests and benchmarks (`NATTER_RATE_LIMITS=off`): nothing is counted. */
  enabled: boolean;
  maxPerAccount: number;
  maxPerAddress: number;
  /** An upload whose body sends nothing this long is cut off. */
  idleTimeoutMs: number;
}

/**
 * Admits uploads in progress: each holds a temporary file (or an S3 upload) and a descriptor
 * until its body ends, so one account or one client address may hold only a few at once,
 * counted on this node, which is what they cost.
 */
export class UploadAdmission {
  private readonly accounts: CountedSlots;
  private readonly addresses: CountedSlots;

  constructor(readonly policy: UploadAdmissionPolicy) {
    this.accounts = new CountedSlots(policy.maxPerAccount);
    this.addresses = new CountedSlots(policy.maxPerAddress);
  }

  /** Admits one more upload of `userId` from `address`: answers its release, or throws RATE_LIMITED. */
  admit(userId: string, address: string): () => void {
    if (!this.policy.enabled) return () => {};
    if (!this.accounts.takeNow(userId)) {
      throw new NatterError(
        "RATE_LIMITED",
        `An account may send at most ${this.policy.maxPerAccount} uploads at once; wait for one to finish`,
      );
    }
    if (!this.addresses.takeNow(address)) {
      this.accounts.release(userId);
      throw new NatterError(
        "RATE_LIMITED",
        `One address may send at most ${this.policy.maxPerAddress} uploads at once; wait for one to finish`,
      );
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.accounts.release(userId);
      this.addresses.release(address);
    };
  }
}
