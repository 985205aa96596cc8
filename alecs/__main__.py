from alecs.cli import main

raise SystemExit(main())
