from kms_tui.cli import main

raise SystemExit(main())
