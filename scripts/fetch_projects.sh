#!/usr/bin/env bash
# Fetch the public LangGraph projects of tests/data/projects again, as published at the commits its README names
# (needs git and the network; the tests themselves never fetch anything).
set -euo pipefail
cd "$(dirname "$0")/../tests/data/projects"
fetch() {  # folder, repository, commit[, paths...] (default: a template's files)
  local tmp paths
  paths=("${@:4}")
  [ ${#paths[@]} -gt 0 ] || paths=(LICENSE langgraph.json pyproject.toml src .env.example)
  tmp=$(mktemp -d)
  git clone -q "https://github.com/$2.git" "$tmp/repo"
  git -C "$tmp/repo" checkout -q "$3"
  rm -rf "$1" && mkdir -p "$1"
  git -C "$tmp/repo" archive "$3" "${paths[@]}" | tar x -C "$1"
  rm -rf "$tmp"
}
fetch react-agent langchain-ai/react-agent d89d249c2a768e8b166c7c4e3bfeff2c73acb00f
fetch new-langgraph-project langchain-ai/new-langgraph-project c89ad1943853aea37ad56d1f2ab62ae8194af0ac
fetch memory-agent langchain-ai/memory-agent 09bf577731b4d5a35157cf4e18aa5af3c7a5095d
fetch academy langchain-ai/langchain-academy fa15bec4a51c541c40c261586b037c9d134977b1 LICENSE \
  module-1/studio module-2/studio module-3/studio module-4/studio module-5/studio
