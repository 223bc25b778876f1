# SPDX-License-Identifier: Apache-2.0
# bash completion for amt-agent, amt-verify and amt-sim: one file, installed
# under each program's name in /usr/share/bash-completion/completions/.
# Commands and options are read from the program's own --help, so they always
# match the installed version; an option shown with a FILE, PATH or DIR value
# completes file names.

# _amt_tools_help PROG [COMMAND]: the help text (cached per command line).
_amt_tools_help()
{
	"$@" --help 2>/dev/null
}

# _amt_tools_value_of HELP OPTION: the value name shown after OPTION, if any.
_amt_tools_value_of()
{
	local w
	w=$(grep -oE -- "(^|[[ ,])$2[ =][A-Z][A-Z0-9_:.=]*" <<<"$1" | head -1)
	w=${w##*[ =]}
	printf '%s' "$w"
}

_amt_tools()
{
	local cur prev words cword
	_init_completion || return
	local prog=${words[0]} top cmd="" i v
	top=$(_amt_tools_help "$prog")

	# The command is the first word that is neither an option nor its value.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*)
			v=$(_amt_tools_value_of "$top" "${words[i]}")
			[[ -n $v && ${words[i]} != *=* ]] && ((i++))
			;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	local help=$top
	[[ -n $cmd ]] && help=$(_amt_tools_help "$prog" "$cmd")

	if [[ $prev == -* ]]; then
		v=$(_amt_tools_value_of "$help" "$prev")
		case $v in
		DIR) _filedir -d; return ;;
		FILE* | PATH* | F | DB*) _filedir; return ;;
		?*) return ;; # a value the shell cannot guess
		esac
	fi

	if [[ $cur == -* ]]; then
		# Options listed at the start of a line or in brackets of a usage
		# line; not those named in a sentence ("restart (or --stop)").
		local opts
		opts=$(grep -oE -- '(^ *(-[a-zA-Z], )?|[[|] ?|^ +[^ ]+ )--[a-z0-9][a-z0-9-]*' <<<"$help" |
			grep -oE -- '--[a-z0-9-]+$'
		       grep '^usage:' <<<"$help" | grep -oE -- '--[a-z0-9][a-z0-9-]*')
		COMPREPLY=($(compgen -W "$(sort -u <<<"$opts")" -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		# "Commands:" rows, or the command in the usage line (amt-sim run).
		local cmds
		cmds=$(sed -n '/^Commands:/,/^$/{/^  [a-z]/{s/^  \([a-z-]*\).*/\1/;p}}' <<<"$top")
		[[ -n $cmds ]] || cmds=$(sed -n 's/^usage: [^ ]* \([a-z][a-z-]*\).*/\1/p' <<<"$top" | sort -u)
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return
	fi
	if [[ $prog == *amt-agent && $cmd == hostid && $prev == hostid ]]; then
		COMPREPLY=($(compgen -W "show init set clear" -- "$cur"))
	fi
} &&
	complete -F _amt_tools amt-agent amt-verify amt-sim
