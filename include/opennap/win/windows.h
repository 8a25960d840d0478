// windows.h for Linux: only the part of it the NAP SDK headers use (docs/win-api.md).
#pragma once

#include "napwindef.h"
