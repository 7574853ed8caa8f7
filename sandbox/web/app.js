// The sandbox page: a small messenger over the emulator's world. Plain JavaScript, no build.
// State comes from GET /sandbox/api/state (a long poll); actions POST to /sandbox/api/*.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  world: null,
  version: "",
  me: Number(localStorage.getItem("sandbox-me")) || null,
  chatId: null,
  replyTo: null,
  seen: JSON.parse(localStorage.getItem("sandbox-seen") || "{}"),
  stickBottom: true,
};
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

// ------------------------------------------------------------------ helpers
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function colour(id) {
  return COLORS[Math.abs(Number(id)) % COLORS.length];
}

function initial(name) {
  return (name || "?").trim().charAt(0).toUpperCase();
}

// Message times in the bot's zone (sent by the server), labelled with its offset, so they agree
// with the times in the bot's own texts whatever zone the browser is in.
function clock(unix) {
  if (!unix) return "";
  const zone = ui.world.zone || { name: "UTC", offset: "+00:00" };
  const time = new Date(unix * 1000).toLocaleTimeString("en-GB", {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone.name,
  });
  return `${time} ${zone.offset}`;
}

let toastTimer = null;
function toast(text, isError = false) {
  const box = $("toast");
  box.textContent = text;
  box.className = isError ? "error" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, isError ? 5000 : 2500);
}

async function post(action, body) {
  const response = await fetch(`/sandbox/api/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ ok: false, error: response.statusText }));
  if (!data.ok) {
    toast(data.error || "出错了 · something went wrong", true);
    throw new Error(data.error);
  }
  return data;
}

function me() {
  return ui.world && ui.world.users.find((u) => u.id === ui.me);
}

function roleOf(user) {
  return user ? user.role : "resident";
}

function roleLabel(role) {
  return role === "organiser" ? "组织者 · organiser" : role === "resident" ? "居民 · resident" : role;
}

// ------------------------------------------------------------------ chats
function visibleChats() {
  const world = ui.world;
  const chats = world.chats.filter(
    (c) => c.type !== "private" && !c.migrated_to && (c.bot_member || c.messages.length),
  );
  let mine = world.chats.find((c) => c.type === "private" && c.id === ui.me);
  if (!mine) mine = { id: ui.me, type: "private", title: null, members: [], messages: [] };
  return [mine, ...chats];
}

function chatName(chat) {
  if (chat.type === "private") return `${ui.world.bot.name}（私聊 · private）`;
  return chat.title;
}

function seenKey() {
  return String(ui.me);
}

function lastSeen(chat) {
  const mine = ui.seen[seenKey()] || {};
  return mine[chat.id];
}

function markSeen(chat) {
  const last = chat.messages.length ? chat.messages[chat.messages.length - 1].id : 0;
  ui.seen[seenKey()] = { ...(ui.seen[seenKey()] || {}), [chat.id]: last };
  localStorage.setItem("sandbox-seen", JSON.stringify(ui.seen));
}

function preview(message) {
  if (!message) return "";
  const who = message.from_bot ? `${ui.world.bot.name}: ` : message.from.id === ui.me ? "我: " : `${message.from.name}: `;
  if (message.service) return `${message.service.joined.join("、")} 加入了群聊`;
  if (message.poll) return `${who}📊 ${message.poll.question}`;
  if (message.photo) return `${who}🖼 ${message.text || "图片 · photo"}`;
  if (message.document) return `${who}📎 ${message.document.name}`;
  return who + (message.text || "").split("\n")[0];
}

const chatItems = new Map();

function renderChats() {
  const list = $("chats");
  const wanted = [];
  let unreadElsewhere = 0;
  for (const chat of visibleChats()) {
    if (lastSeen(chat) === undefined) {
      // First sight of a chat: its history is not "unread".
      if (chat.id !== ui.chatId) markSeen(chat);
    }
    const seen = lastSeen(chat) || 0;
    const unread = chat.id === ui.chatId ? 0 : chat.messages.filter((m) => m.id > seen && m.from.id !== ui.me).length;
    unreadElsewhere += unread;
    const name = chatName(chat);
    const last = preview(chat.messages[chat.messages.length - 1]);
    const active = chat.id === ui.chatId;
    const signature = JSON.stringify([name, last, unread, active]);
    const kept = chatItems.get(chat.id);
    if (kept && kept.signature === signature) {
      wanted.push(kept.node);
      continue;
    }
    const avatar = chat.type === "private" ? ui.world.bot.name : chat.title;
    const node = el(
      "li",
      {
        class: `chat-item${active ? " active" : ""}`,
        "data-chat-id": chat.id,
        "data-chat-type": chat.type,
        onclick: () => openChat(chat.id),
      },
      el("div", { class: "avatar", style: `background:${colour(chat.id)}` }, initial(avatar)),
      el("div", { class: "chat-body" }, el("div", { class: "chat-name" }, name), el("div", { class: "chat-last" }, last)),
      unread ? el("span", { class: "unread" }, unread) : null,
    );
    chatItems.set(chat.id, { signature, node });
    wanted.push(node);
  }
  wanted.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > wanted.length) list.lastElementChild.remove();
  // On a phone the chat list is hidden behind the back button: it says how much is unread there.
  const back = `‹ 聊天 · chats${unreadElsewhere ? ` (${unreadElsewhere})` : ""}`;
  if ($("back").textContent !== back) $("back").textContent = back;
}

function openChat(chatId) {
  ui.chatId = chatId;
  // On a phone the open chat takes the whole screen (style.css); the back button leaves it.
  document.body.classList.add("in-chat");
  ui.replyTo = null;
  ui.stickBottom = true;
  render();
  $("text").focus();
}

// ------------------------------------------------------------------ messages
const LINK = /(https?:\/\/[^\s<>()（）]+)|(^|[\s(（:：、])(\/[a-z_]+(?:@\w+)?)(?=$|[\s,.，。、)）])/gi;

function richText(text) {
  // Escape first, then turn URLs and /commands into links the page handles itself.
  const parts = [];
  let last = 0;
  const source = String(text);
  for (const match of source.matchAll(LINK)) {
    const start = match.index + (match[1] ? 0 : match[2].length);
    parts.push(esc(source.slice(last, start)));
    if (match[1]) {
      parts.push(`<a href="${esc(match[1])}" data-link="${esc(match[1])}">${esc(match[1])}</a>`);
      last = match.index + match[1].length;
    } else {
      const command = match[3];
      parts.push(`<a href="#" class="cmd" data-command="${esc(command)}">${esc(command)}</a>`);
      last = start + command.length;
    }
  }
  parts.push(esc(source.slice(last)));
  return parts.join("");
}

function startPayload(url) {
  const bot = ui.world.bot.username;
  const match = /^https?:\/\/t\.me\/([^?/]+)\?start=([\w-]+)/.exec(url);
  if (match && match[1].toLowerCase() === String(bot).toLowerCase()) return match[2];
  return null;
}

async function onTextClick(event) {
  const link = event.target.closest("a[data-link], a[data-command]");
  if (!link) return;
  event.preventDefault();
  if (link.dataset.command) {
    await send(link.dataset.command, ui.chatId, null);
    return;
  }
  const payload = startPayload(link.dataset.link);
  if (payload) {
    // A t.me/<bot>?start=… link: Telegram opens the private chat and sends /start <payload>.
    openChat(ui.me);
    await send(`/start ${payload}`, ui.me, null);
  } else {
    window.open(link.dataset.link, "_blank", "noopener");
  }
}

function renderPoll(message, chat) {
  const poll = message.poll;
  const myVote = poll.votes[String(ui.me)] || [];
  const showResults = poll.closed || myVote.length > 0;
  const box = el("div", { class: "poll", "data-poll-id": poll.id });
  box.append(el("div", { class: "q" }, poll.question));
  const kind = [poll.anonymous ? "匿名投票 · anonymous" : "公开投票 · public", poll.multiple ? "可多选 · multiple" : null, poll.closed ? "已结束 · closed" : null]
    .filter(Boolean)
    .join(" · ");
  box.append(el("div", { class: "kind" }, kind));
  const total = poll.total || 0;
  if (showResults) {
    poll.options.forEach((option, index) => {
      const share = total ? Math.round((option.votes / total) * 100) : 0;
      box.append(
        el(
          "div",
          { class: `poll-result${myVote.includes(index) ? " chosen" : ""}`, "data-option": index },
          el("div", {}, `${share}% · ${option.text}${myVote.includes(index) ? " ✓" : ""}`),
          el("div", { class: "bar-wrap" }, el("div", { class: "bar", style: `width:${share}%` })),
        ),
      );
    });
  } else if (poll.multiple) {
    const chosen = new Set();
    poll.options.forEach((option, index) => {
      const box2 = el("input", { type: "checkbox", onchange: (e) => (e.target.checked ? chosen.add(index) : chosen.delete(index)) });
      box.append(el("label", { class: "poll-option", "data-option": index }, box2, " ", option.text));
    });
    box.append(
      el("button", {
        class: "poll-option vote",
        onclick: () => (chosen.size ? vote(poll.id, [...chosen]) : toast("先勾选至少一项 · tick at least one option", true)),
      }, "投票 · vote"),
    );
  } else {
    poll.options.forEach((option, index) => {
      box.append(el("button", { class: "poll-option", "data-option": index, onclick: () => vote(poll.id, [index]) }, option.text));
    });
  }
  const foot = el("div", { class: "foot" }, el("span", {}, `${total} 人投票 · ${total} voted`));
  if (myVote.length && !poll.closed) {
    foot.append(el("button", { class: "link", onclick: () => vote(poll.id, []) }, "撤回 · retract"));
  }
  box.append(foot);
  return box;
}

function renderMessage(message, chat) {
  if (message.service) {
    return el("div", { class: "service" }, `${message.service.joined.join("、")} 加入了群聊 · joined`);
  }
  const mine = message.from.id === ui.me && !message.from_bot;
  const classes = ["msg", mine ? "mine" : "", message.from_bot ? "bot" : ""].filter(Boolean).join(" ");
  const node = el("div", { class: classes, "data-message-id": message.id, "data-from": message.from.id });
  if (!mine && (chat.type !== "private" || message.from_bot)) {
    node.append(
      el("div", { class: "name", style: message.from_bot ? null : `color:${colour(message.from.id)}` }, message.from.name, message.from_bot ? el("span", { class: "bot-tag" }, "bot") : null),
    );
  }
  if (message.reply_to) {
    node.append(el("div", { class: "quote" }, el("b", {}, message.reply_to.name), " ", message.reply_to.text));
  }
  if (message.photo) {
    const img = el("img", { class: "photo", src: message.photo.url, alt: "photo", onclick: () => window.open(message.photo.url, "_blank") });
    node.append(img);
  }
  if (message.document) {
    const size = message.document.size ? ` · ${Math.max(1, Math.round(message.document.size / 1024))} KB` : "";
    node.append(
      el("a", { class: "document", href: message.document.url, download: message.document.name, target: "_blank" }, el("span", { class: "icon" }, "📄"), el("span", {}, message.document.name + size)),
    );
  }
  if (message.sticker) node.append(el("div", { class: "text" }, "🙂 [sticker]"));
  if (message.poll) node.append(renderPoll(message, chat));
  if (message.text) {
    const text = el("div", { class: "text", html: richText(message.text) });
    text.addEventListener("click", onTextClick);
    node.append(text);
  }
  if (message.buttons) {
    const grid = el("div", { class: "buttons" });
    for (const row of message.buttons) {
      const line = el("div", { class: "btn-row" });
      for (const button of row) {
        line.append(
          el(
            "button",
            {
              class: "inline-btn",
              "data-callback": button.data,
              onclick: () => (button.url ? window.open(button.url, "_blank") : press(chat.id, message.id, button.data)),
            },
            button.text,
          ),
        );
      }
      grid.append(line);
    }
    node.append(grid);
  }
  node.append(el("div", { class: "meta" }, (message.edited ? "已编辑 · edited  " : "") + clock(message.date)));
  node.append(el("button", { class: "reply-btn", title: "回复 · reply", onclick: () => setReply(message) }, "↩"));
  return node;
}

function welcome(chat) {
  const user = me();
  const organiser = roleOf(user) === "organiser";
  const box = el("div", { class: "welcome", "data-testid": "welcome" });
  if (chat.type === "private") {
    box.append(el("h3", {}, `这是你和 ${ui.world.bot.name} 的私聊 · your private chat with the bot`));
    box.append(
      el("div", {}, organiser
        ? "组织者可以在这里发起征询（写社区名称或 all）、看报告、收周报图表和 CSV。下面的按钮会把示例命令填进输入框。"
        : "居民可以在这里私下回答征询（点群里征询消息中的链接），或用 /mydata 查看、/forget 删除自己的数据。"),
      el("div", { class: "en" }, organiser
        ? "Organisers open rounds here (name a community, or all), read reports and get the weekly digest with its chart and CSV. The buttons below fill in example commands."
        : "Residents answer rounds here in private (the link in a round's message), see their data with /mydata and delete it with /forget."),
    );
  } else {
    box.append(el("h3", {}, chat.title));
    box.append(
      el("div", {}, organiser
        ? "这是一个社区群。发送 /community <名称> 登记它，再用 /ask、/poll、/rate 发起征询。"
        : "这是一个社区群。回复机器人的征询消息即可回答，投票和评分点按钮即可。"),
      el("div", { class: "en" }, organiser
        ? "A community's group: register it with /community <name>, then open rounds with /ask, /poll or /rate."
        : "A community's group: reply to the bot's round message to answer; press the buttons to vote or rate."),
    );
  }
  return box;
}

// Rendered messages are kept and reused while unchanged, so a re-render (after any change in
// the world) keeps hover, focus and half-ticked poll boxes instead of rebuilding every node.
const rendered = new Map();
let renderedFor = "";

function renderMessages() {
  const chat = visibleChats().find((c) => c.id === ui.chatId);
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const view = `${ui.me}:${ui.chatId}`;
  if (view !== renderedFor) {
    rendered.clear();
    box.replaceChildren();
    renderedFor = view;
  }
  if (!chat) return;
  $("chat-title").textContent = chatName(chat);
  $("chat-sub").textContent =
    chat.type === "private" ? `@${ui.world.bot.username} · bot` : `${chat.members.length} 位成员 · members${chat.bot_member ? "" : " · 机器人不在群里 · bot not in group"}`;
  const wanted = [];
  if (chat.messages.length < 4) wanted.push(reuse("welcome", roleOf(me()), () => welcome(chat)));
  for (const message of chat.messages) {
    wanted.push(reuse(message.id, JSON.stringify(message), () => renderMessage(message, chat)));
  }
  wanted.forEach((node, index) => {
    if (box.children[index] !== node) box.insertBefore(node, box.children[index] || null);
  });
  while (box.children.length > wanted.length) box.lastElementChild.remove();
  if (ui.stickBottom || nearBottom) box.scrollTop = box.scrollHeight;
  ui.stickBottom = false;
  markSeen(chat);
}

function reuse(key, signature, build) {
  const kept = rendered.get(key);
  if (kept && kept.signature === signature) return kept.node;
  const node = build();
  rendered.set(key, { signature, node });
  return node;
}

function renderHints() {
  const box = $("hints");
  box.replaceChildren();
  const chat = visibleChats().find((c) => c.id === ui.chatId);
  if (!chat) return;
  const where = chat.type === "private" ? "private" : "group";
  const hints = (ui.world.hints[roleOf(me())] || []).filter((h) => !h.where || h.where === where);
  for (const hint of hints) {
    box.append(
      el("button", { class: "hint", type: "button", title: hint.text, onclick: () => fill(hint.text) }, hint.label || hint.text),
    );
  }
}

function renderCommands() {
  const list = $("command-list");
  list.replaceChildren();
  const seen = new Set();
  const hints = ui.world.hints[roleOf(me())] || [];
  for (const hint of hints) {
    const command = hint.text.split(" ")[0];
    if (command.startsWith("/") && !seen.has(command)) {
      seen.add(command);
      list.append(el("option", { value: command + " " }));
    }
  }
  for (const command of ui.world.commands) {
    if (!seen.has(`/${command.command}`)) {
      list.append(el("option", { value: `/${command.command}` }, command.description));
    }
  }
}

function renderWho() {
  const select = $("who");
  const current = select.value;
  select.replaceChildren();
  const users = [...ui.world.users].sort((a, b) => (a.role === b.role ? 0 : a.role === "organiser" ? -1 : 1));
  for (const user of users) {
    // The name alone: the role and language are shown beside the list for whoever is chosen,
    // so a long name is not cut off by what follows it.
    const lang = user.language_code ? ` · ${user.language_code}` : "";
    const full = `${user.name}（${roleLabel(user.role).split(" · ")[0]}${lang}）`;
    select.append(el("option", { value: user.id, title: full }, user.name));
  }
  if (!users.find((u) => u.id === ui.me)) ui.me = users.length ? users[0].id : null;
  select.value = String(ui.me);
  select.title = me() ? me().name : "";
  if (current !== select.value) localStorage.setItem("sandbox-me", String(ui.me));
  const role = roleOf(me());
  const language = me() && me().language_code ? ` · ${me().language_code}` : "";
  $("role").textContent = roleLabel(role) + language;
  $("role").className = `badge ${role}`;
}

function renderWebLinks() {
  const links = ui.world.links || [];
  $("web-pages").hidden = links.length === 0;
  $("web-links").replaceChildren(
    ...links.map((link) =>
      el("li", {}, el("a", { href: link.url, target: "_blank", rel: "noopener noreferrer" }, `${link.label} ↗`)),
    ),
  );
}

function render() {
  if (!ui.world) return;
  document.title = ui.world.title;
  $("title").textContent = ui.world.title;
  renderWho();
  if (ui.chatId === null || !visibleChats().find((c) => c.id === ui.chatId)) {
    const chats = visibleChats();
    ui.chatId = (chats[1] || chats[0]).id;
    ui.stickBottom = true;
  }
  renderChats();
  renderMessages();
  renderHints();
  renderCommands();
  renderReply();
  renderWebLinks();
}

// ------------------------------------------------------------------ actions
function fill(text) {
  const input = $("text");
  input.value = text;
  input.focus();
  const blank = text.indexOf("…");
  if (blank >= 0) input.setSelectionRange(blank, blank + 1);
}

function setReply(message) {
  ui.replyTo = { id: message.id, text: message.poll ? message.poll.question : message.text || "", name: message.from.name };
  renderReply();
  $("text").focus();
}

function renderReply() {
  const bar = $("reply-bar");
  if (!ui.replyTo) {
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  $("reply-text").textContent = `${ui.replyTo.name}: ${ui.replyTo.text.split("\n").filter(Boolean).slice(0, 2).join(" ")}`.slice(0, 90);
}

async function send(text, chatId, replyTo) {
  await post("send", { user: ui.me, chat: chatId, text, reply_to: replyTo });
  ui.stickBottom = true;
  await refresh();
}

async function vote(pollId, options) {
  await post("vote", { user: ui.me, poll: pollId, options });
  await refresh();
}

async function press(chatId, messageId, data) {
  const result = await post("press", { user: ui.me, chat: chatId, message: messageId, data });
  if (result.answer && result.answer.text) toast(result.answer.text);
  await refresh();
}

// ------------------------------------------------------------------ state
async function refresh() {
  const response = await fetch("/sandbox/api/state?wait=0");
  ui.world = await response.json();
  ui.version = ui.world.version;
  render();
}

async function follow() {
  // Long poll: the server answers when anything changed (or after a while).
  for (;;) {
    try {
      const response = await fetch(`/sandbox/api/state?since=${encodeURIComponent(ui.version)}`);
      const world = await response.json();
      if (world.version !== ui.version) {
        ui.world = world;
        ui.version = world.version;
        render();
      }
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function wire() {
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("text");
    const text = input.value.trim();
    if (!text) return;
    const replyTo = ui.replyTo ? ui.replyTo.id : null;
    try {
      await send(text, ui.chatId, replyTo);
      input.value = "";
      ui.replyTo = null;
      renderReply();
    } catch (error) {
      /* the toast said why; keep the text so nothing typed is lost */
    }
  });
  $("who").addEventListener("change", (event) => {
    ui.me = Number(event.target.value);
    localStorage.setItem("sandbox-me", String(ui.me));
    ui.replyTo = null;
    render();
  });
  $("back").addEventListener("click", () => {
    document.body.classList.remove("in-chat");
  });
  const guide = $("guide");
  if (localStorage.getItem("sandbox-guide") === "closed") guide.open = false;
  guide.addEventListener("toggle", () => {
    localStorage.setItem("sandbox-guide", guide.open ? "open" : "closed");
  });
  $("reply-cancel").addEventListener("click", () => {
    ui.replyTo = null;
    renderReply();
  });
  $("person-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("person-name").value.trim();
    const groups = ui.world.chats.filter((c) => c.type !== "private" && c.bot_member && !c.migrated_to).map((c) => c.id);
    const result = await post("people", { name, language_code: $("person-lang").value, join: groups });
    $("person-name").value = "";
    ui.me = result.user;
    localStorage.setItem("sandbox-me", String(ui.me));
    await refresh();
  });
  $("new-group").addEventListener("click", async () => {
    const title = prompt("群名称 · group title", "新社区居民群");
    if (!title) return;
    // Everyone in the sandbox joins the new group, so residents can answer there at once.
    const members = ui.world.users.filter((u) => u.id !== ui.me).map((u) => u.id);
    const result = await post("groups", { user: ui.me, title, members });
    await refresh();
    openChat(result.chat);
    fill("/community …");
  });
}

async function fontReady() {
  // Chromium draws boxes for bold Chinese laid out while the CJK font is still loading: load it
  // first (a local font when the machine has one, else the sandbox's copy), at most 5 s.
  const timeout = new Promise((resolve) => setTimeout(resolve, 5000));
  await Promise.race([document.fonts.load('700 16px "SandboxCJK"', "民意").catch(() => null), timeout]);
  // Buttons laid out before the font arrived keep drawing boxes until their text is replaced.
  for (const button of document.querySelectorAll("button")) {
    if (button.children.length === 0) button.textContent = String(button.textContent);
  }
}

wire();
fontReady().then(refresh).then(follow);
