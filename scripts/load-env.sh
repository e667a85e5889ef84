# Sourced by the scripts in this folder: exports the KEY=value lines of ./.env (when present) for every key the
# environment does not already set, so an explicit `PORT=9000 make dev` still wins over the file.
load_env() {
  local file="${1:-.env}" line key value
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%$'\r'}"
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    # Surrounding quotes are syntax, not part of the value.
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    [[ -n "${!key+set}" ]] || export "$key=$value"
  done <"$file"
}
