"""The Tools tab: each tool's schema and a form to try it, composing and linting tool sets, adding Python tool
files (run in the sandbox), importing OpenAPI specs and MCP servers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.runner import ToolImportError, UnknownToolError
from app.ui import render
from app.ui.owners import known, need_owner
from app.ui.shell import Shell
from storage import repo
from tools.model import credential_pairs

CUSTOM_EXAMPLE = '''def word_count(text: str) -> int:
    """Count the words in a text.

    Args:
        text: the text to count
    """
    return len(text.split())
'''


@dataclass
class ToolsTab:
    compose: gr.CheckboxGroup
    tool_pick: gr.Dropdown


def build(shell: Shell, toolset_dd: gr.Dropdown, other_tool_lists: list[Any]) -> ToolsTab:
    """`toolset_dd`: the chat's tool set menu (a saved set joins it); `other_tool_lists`: the chat's and the
    compare tab's tool menus (two: added tools join them)."""
    runner, owner, tool_names = shell.runner, shell.owner, shell.tool_names
    with gr.Row():
        with gr.Column(scale=2):
            tool_pick = gr.Dropdown(tool_names, value=tool_names[0], label="Tool", elem_id="tool-pick")
            tool_doc = gr.Markdown()
            tool_schema = gr.JSON(label="JSON schema")
        with gr.Column(scale=3):
            gr.Markdown("**Try it**: the form is generated from the schema.")

            @gr.render(inputs=[tool_pick, owner])
            def tool_form(name: str, who: str):
                try:
                    tool = runner.tools.get(name, known(who))
                except UnknownToolError:
                    return
                props = tool.parameters.get("properties", {})
                fields = []
                for pname, spec in props.items():
                    label = f"{pname}{' *' if pname in tool.required else ''}"
                    info = spec.get("description")
                    if "enum" in spec:
                        comp = gr.Dropdown(spec["enum"], value=spec.get("default"), label=label, info=info)
                    elif spec.get("type") in ("integer", "number"):
                        comp = gr.Number(value=spec.get("default"), label=label, info=info,
                                         precision=0 if spec.get("type") == "integer" else None)
                    elif spec.get("type") == "boolean":
                        comp = gr.Checkbox(value=bool(spec.get("default")), label=label, info=info)
                    else:
                        comp = gr.Textbox(value=spec.get("default") or "", label=label, info=info)
                    fields.append((pname, comp))
                run = gr.Button(f"Run {name}", variant="primary", elem_id="try-run")
                out = gr.JSON(label="Result", elem_id="try-result")

                def run_it(*values):
                    args = {p: v for (p, _), v in zip(fields, values) if v not in (None, "")}
                    return runner.try_tool(name, args, need_owner(who))

                run.click(run_it, [c for _, c in fields], out)

    gr.Markdown("### Compose a tool set")
    with gr.Row():
        compose = gr.CheckboxGroup(tool_names, label="Tools", scale=4, elem_id="compose-tools")
        with gr.Column(scale=1):
            toolset_name = gr.Textbox(label="Name", elem_id="toolset-name")
            save_set = gr.Button("Save tool set", variant="primary", elem_id="save-toolset")
            lint_btn = gr.Button("Lint these tools", elem_id="lint-tools")
            saved_md = gr.Markdown()
    lint_md = gr.Markdown(elem_id="lint-result")

    with gr.Accordion("Add Python tools (they run in a sandboxed process)", open=False,
                      elem_id="custom-tools"):
        gr.Markdown("Every public function with type hints and a docstring becomes a tool (an `Args:` "
                    "section describes the parameters). Each call runs in its own process with CPU, "
                    "memory and wall-clock limits, no environment variables and no network unless "
                    "allowed. Or from a shell: `playground tools add FILE.py`.")
        custom_code = gr.Code(CUSTOM_EXAMPLE, language="python", label="Tool file",
                              elem_id="custom-code")
        with gr.Row():
            custom_name = gr.Textbox("my_tools.py", label="File name", elem_id="custom-filename")
            custom_net = gr.Checkbox(False, label="Allow network", elem_id="custom-network")
            custom_add = gr.Button("Add tools", variant="primary", elem_id="custom-add")
        custom_md = gr.Markdown(elem_id="custom-result")

    with gr.Accordion("Import an OpenAPI spec or an MCP server", open=False, elem_id="import-tools"):
        gr.Markdown("**OpenAPI 3**: each operation becomes a tool that calls the API. Give the spec's "
                    "URL or paste it (JSON or YAML). Credentials are named, never typed: "
                    "`SCHEME=ENV_VAR` (or just `ENV_VAR` when the spec has one scheme) sends that "
                    "environment variable of the server's, and only its name is stored.")
        openapi_spec = gr.Textbox(label="Spec URL or text", lines=3, max_lines=12,
                                  elem_id="openapi-spec")
        with gr.Row():
            openapi_base = gr.Textbox(label="Base URL (default: the spec's server)",
                                      elem_id="openapi-base")
            openapi_auth = gr.Textbox(label="Auth (SCHEME=ENV_VAR, comma-separated)",
                                      elem_id="openapi-auth")
            openapi_prefix = gr.Textbox(label="Name prefix", elem_id="openapi-prefix")
            openapi_go = gr.Button("Import spec", variant="primary", elem_id="openapi-import")
        gr.Markdown("**MCP**: a streamable HTTP URL, or a command that starts a server on stdio "
                    "(commands only when the playground serves this machine alone). Its tools run on "
                    "that server.")
        with gr.Row():
            mcp_target = gr.Textbox(label="Command or URL", scale=3, elem_id="mcp-target")
            mcp_env = gr.Textbox(label="Env vars it gets (names)", elem_id="mcp-env")
            mcp_prefix = gr.Textbox(label="Name prefix", elem_id="mcp-prefix")
            mcp_go = gr.Button("Connect", variant="primary", elem_id="mcp-import")
        tool_import_md = gr.Markdown(elem_id="tool-import-result")

    with gr.Accordion("Remove a tool you added", open=False, elem_id="remove-tools"):
        with gr.Row():
            remove_dd = gr.Dropdown([], label="Your added tools (Python files, imports)", scale=3,
                                    elem_id="remove-pick")
            remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="remove-tool")
        with gr.Row(visible=False, elem_id="remove-confirm") as remove_row:
            remove_question = gr.Markdown(elem_id="remove-question")
            remove_yes = gr.Button("Remove for good", variant="stop", elem_id="remove-for-good")
            remove_no = gr.Button("Keep it", elem_id="remove-cancel")
        remove_md = gr.Markdown(elem_id="remove-result")

    def describe(name, who):
        try:
            tool = runner.tools.get(name, known(who))
        except UnknownToolError:
            return "", None
        flags = " · ⚠️ has side effects" if tool.side_effects else ""
        return f"**{tool.name}**{flags}\n\n{render.plain(tool.description)}", tool.parameters

    tool_pick.change(describe, [tool_pick, owner], [tool_doc, tool_schema])
    shell.blocks.load(describe, [tool_pick, owner], [tool_doc, tool_schema])

    def save_toolset(name, chosen, who):
        who = need_owner(who)
        name = (name or "").strip()
        if not name or not chosen:
            return "Give the tool set a name and pick at least one tool.", gr.update()
        if name in runner.tools.toolsets:
            return f"{name!r} is a built-in tool set; choose another name.", gr.update()
        try:
            runner.resolve_tools(chosen, owner=who)  # only tools this owner has
        except UnknownToolError as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update()
        repo.save_toolset(runner.db, name, chosen, owner=who)
        return f"Saved **{render.plain(name)}**: {', '.join(chosen)}.", gr.update(choices=shell.toolset_choices(who))

    save_set.click(save_toolset, [toolset_name, compose, owner], [saved_md, toolset_dd], api_name="save_toolset")

    def lint_tools(chosen, who):
        from tools.lint import report

        if not chosen:
            return "Tick the tools to lint."
        try:
            found = report(runner.tools.resolve(chosen, known(who)))
        except UnknownToolError as exc:
            return f"⚠️ {render.plain(str(exc))}"
        if not found["count"]:
            return f"No warnings for {len(chosen)} tool(s)."
        rows = "\n".join(f"| {render.inline_code(w['tool'])} | {render.inline_code(w['field'])} | {w['code']} | "
                         f"{render.cell(w['message'], 300)} |" for w in found["warnings"])
        return (f"**{found['count']} warning(s)**: where an agent will have to guess, or ask.\n\n"
                f"| tool | field | problem | what to do |\n|---|---|---|---|\n{rows}")

    lint_btn.click(lint_tools, [compose, owner], lint_md, api_name="lint_tools")

    tool_lists = [*other_tool_lists, compose, tool_pick]  # the last gets the first added tool as its value

    def added(names: list[str], where: str, who: str) -> list[Any]:
        everything = runner.tools.names(who)
        return ([f"Added from {where}: " + ", ".join(f"`{n}`" for n in names) +
                 ". Pick them in the chat's tool list."] +
                [gr.update(choices=everything)] * 3 + [gr.update(choices=everything, value=names[0])])

    def refused(exc: Exception) -> list[Any]:
        return [f"⚠️ {render.plain(str(exc))}"] + [gr.update()] * 4

    def add_custom(source, filename, network, who):
        who = need_owner(who)
        name = (filename or "").strip() or "my_tools.py"
        try:
            return added(runner.add_custom_tools(source or "", name, owner=who, network=bool(network)),
                         f"{render.inline_code(name)}", who)
        except ToolImportError as exc:
            return refused(exc)

    custom_add.click(add_custom, [custom_code, custom_name, custom_net, owner], [custom_md, *tool_lists],
                     api_name="add_tools")

    def import_openapi(spec, base, auth, prefix, who):
        who = need_owner(who)
        try:
            names = runner.import_openapi((spec or "").strip(), base_url=(base or "").strip() or None,
                                          auth=credential_pairs((auth or "").split(","), "auth"),
                                          prefix=(prefix or "").strip(), owner=who,
                                          files=False)
        except ToolImportError as exc:
            return refused(exc)
        return added(names, "the spec", who)

    openapi_go.click(import_openapi, [openapi_spec, openapi_base, openapi_auth, openapi_prefix, owner],
                     [tool_import_md, *tool_lists], api_name="import_openapi")

    def import_mcp(target, env, prefix, who):
        who = need_owner(who)
        try:
            names = runner.import_mcp(target or "", env=[e.strip() for e in (env or "").split(",") if e.strip()],
                                      prefix=(prefix or "").strip(), owner=who,
                                      commands=bool(runner.settings.mcp_commands))
        except ToolImportError as exc:
            return refused(exc)
        return added(names, f"{render.inline_code(target.strip())}", who)

    mcp_go.click(import_mcp, [mcp_target, mcp_env, mcp_prefix, owner], [tool_import_md, *tool_lists],
                 api_name="import_mcp")
    def removable(who):
        return gr.update(choices=runner.removable_tools(known(who)) if known(who) else [])

    remove_dd.focus(removable, owner, remove_dd)
    shell.blocks.load(removable, owner, remove_dd)

    def ask_remove(name, who):
        if not name:
            return gr.update(visible=False), "", "Pick one of your tools first."
        return (gr.update(visible=True), f"Remove **{render.plain(name)}**? Sessions that use it will say it is "
                "gone on their next turn; adding its file again brings it back.", "")

    remove_btn.click(ask_remove, [remove_dd, owner], [remove_row, remove_question, remove_md])
    remove_no.click(lambda: (gr.update(visible=False), "Kept."), None, [remove_row, remove_md])
    remove_dd.change(lambda: gr.update(visible=False), None, remove_row)

    def remove(name, who, *chosen):
        """`chosen`: what each tool list holds now (the removed tool leaves those that picked it)."""
        who = need_owner(who)
        try:
            runner.remove_tool(name or "", who)
        except (UnknownToolError, ValueError) as exc:
            return [gr.update(visible=False), f"⚠️ {render.plain(str(exc))}", removable(who)] + [gr.update()] * 4
        everything = runner.tools.names(who)
        *lists, picked = chosen
        return ([gr.update(visible=False), f"Removed **{render.plain(name)}**.",
                 gr.update(choices=runner.removable_tools(who), value=None)]
                + [gr.update(choices=everything, value=[t for t in value or [] if t in everything]) for value in lists]
                + [gr.update(choices=everything, value=picked if picked in everything else everything[0])])

    remove_yes.click(remove, [remove_dd, owner, *tool_lists], [remove_row, remove_md, remove_dd, *tool_lists],
                     api_name="remove_tool")
    return ToolsTab(compose, tool_pick)
