// The state machine of a simulated data member: which proposals it has applied, in order, up to which
// index. Deterministic and serialisable, so snapshots carry it and a restart rebuilds it.
import type { Entry } from '@tandem/raft';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

interface SnapshotBody {
  index: number;
  ids: string[];
}

export class SimStateMachine {
  appliedIndex: number;
  readonly ids: Set<string>;

  private constructor(index: number, ids: string[]) {
    this.appliedIndex = index;
    this.ids = new Set(ids);
  }

  static empty(): SimStateMachine {
    return new SimStateMachine(0, []);
  }

  static fromSnapshot(index: number, data: Uint8Array): SimStateMachine {
    if (data.byteLength === 0) return new SimStateMachine(index, []);
    const body = JSON.parse(textDecoder.decode(data)) as SnapshotBody;
    if (body.index !== index) throw new Error(`snapshot body index ${body.index} ≠ metadata index ${index}`);
    return new SimStateMachine(body.index, body.ids);
  }

  snapshotData(): Uint8Array {
    const body: SnapshotBody = { index: this.appliedIndex, ids: [...this.ids] };
    return textEncoder.encode(JSON.stringify(body));
  }

  /**
   * Applies one committed entry. Returns the proposal id it carried (or null for a no-op / conf change)
   * and whether that id had been applied before (which would break exactly-once).
   */
  apply(entry: Entry): { id: string | null; duplicate: boolean } {
    if (entry.index !== this.appliedIndex + 1) {
      throw new Error(`state machine at ${this.appliedIndex} asked to apply ${entry.index}`);
    }
    this.appliedIndex = entry.index;
    if (entry.type !== 'normal' || entry.data.byteLength === 0) return { id: null, duplicate: false };
    const id = textDecoder.decode(entry.data);
    const duplicate = this.ids.has(id);
    this.ids.add(id);
    return { id, duplicate };
  }
}

export function proposalData(id: string): Uint8Array {
  return textEncoder.encode(id);
}
