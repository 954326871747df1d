// Package stdlib embeds the Starlark libraries that recipes load as
// load("@stdlib//name.star", ...).
package stdlib

import "embed"

// FS holds every .star file of this folder and its subfolders.
//
//go:embed *.star ssl/*.star
var FS embed.FS
