/** Every command name (as the parser types them) → its handler (one file each under ./commands). */
import type { ImapCommand, ImapCommandName } from '../wire/command-types.js';
import type { CommandHandler } from './command-handler.js';
import { appendHandler } from './commands/append.js';
import { authenticateHandler } from './commands/authenticate.js';
import { capabilityHandler } from './commands/capability.js';
import { checkHandler } from './commands/check.js';
import { closeHandler } from './commands/close.js';
import { copyHandler } from './commands/copy.js';
import { createHandler } from './commands/create.js';
import { deleteHandler } from './commands/delete.js';
import { enableHandler } from './commands/enable.js';
import { expungeHandler } from './commands/expunge.js';
import { fetchHandler } from './commands/fetch.js';
import { getquotaHandler } from './commands/getquota.js';
import { getquotarootHandler } from './commands/getquotaroot.js';
import { idHandler } from './commands/id.js';
import { idleHandler } from './commands/idle.js';
import { listHandler } from './commands/list.js';
import { loginHandler } from './commands/login.js';
import { logoutHandler } from './commands/logout.js';
import { lsubHandler } from './commands/lsub.js';
import { namespaceHandler } from './commands/namespace.js';
import { noopHandler } from './commands/noop.js';
import { renameHandler } from './commands/rename.js';
import { searchHandler } from './commands/search.js';
import { selectHandler } from './commands/select.js';
import { setquotaHandler } from './commands/setquota.js';
import { sortHandler } from './commands/sort.js';
import { starttlsHandler } from './commands/starttls.js';
import { statusHandler } from './commands/status.js';
import { storeHandler } from './commands/store.js';
import { subscribeHandler } from './commands/subscribe.js';
import { threadHandler } from './commands/thread.js';
import { unselectHandler } from './commands/unselect.js';

type HandlerFor<N extends ImapCommandName> = CommandHandler<ImapCommand & { readonly name: N }>;

export const commandTable: { readonly [N in ImapCommandName]: HandlerFor<N> } = {
  CAPABILITY: capabilityHandler,
  NOOP: noopHandler,
  LOGOUT: logoutHandler,
  STARTTLS: starttlsHandler,
  AUTHENTICATE: authenticateHandler,
  LOGIN: loginHandler,
  ENABLE: enableHandler,
  ID: idHandler,
  NAMESPACE: namespaceHandler,
  SELECT: selectHandler,
  EXAMINE: selectHandler,
  CREATE: createHandler,
  DELETE: deleteHandler,
  RENAME: renameHandler,
  SUBSCRIBE: subscribeHandler,
  UNSUBSCRIBE: subscribeHandler,
  LIST: listHandler,
  LSUB: lsubHandler,
  STATUS: statusHandler,
  APPEND: appendHandler,
  CHECK: checkHandler,
  CLOSE: closeHandler,
  UNSELECT: unselectHandler,
  IDLE: idleHandler,
  EXPUNGE: expungeHandler,
  SEARCH: searchHandler,
  FETCH: fetchHandler,
  STORE: storeHandler,
  COPY: copyHandler,
  MOVE: copyHandler,
  GETQUOTA: getquotaHandler,
  GETQUOTAROOT: getquotarootHandler,
  SETQUOTA: setquotaHandler,
  SORT: sortHandler,
  THREAD: threadHandler,
};

/** The handler of a parsed command (the table guarantees it takes that command's type). */
export function handlerFor(command: ImapCommand): CommandHandler<ImapCommand> {
  return commandTable[command.name] as unknown as CommandHandler<ImapCommand>;
}
